// The local Redis server: values are stored, read back and expire.
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { eventually, uniqueName } from '../../support/kube.ts';

describe('Redis', () => {
  let redis: Redis;
  before(() => {
    redis = new Redis(endpoints().redis, { maxRetriesPerRequest: 1 });
  });
  after(() => redis.disconnect());

  it('stores, reads and expires a value', async () => {
    const key = uniqueName('it-key');
    assert.equal(await redis.set(key, 'hello', 'PX', 300), 'OK');
    assert.equal(await redis.get(key), 'hello');
    const ttl = await redis.pttl(key);
    assert.ok(ttl > 0 && ttl <= 300, `ttl ${ttl}`);
    await eventually(
      'the value to expire',
      async () => ((await redis.get(key)) === null ? true : undefined),
      5_000,
    );
  });

  it('increments atomically', async () => {
    const key = uniqueName('it-counter');
    await Promise.all(Array.from({ length: 50 }, () => redis.incr(key)));
    assert.equal(await redis.get(key), '50');
    await redis.del(key);
  });
});
