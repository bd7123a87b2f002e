// IPAM against the real PostgreSQL: exclusion constraints refuse overlaps whoever writes, racing allocators
// never share a block, exhaustion is a clear refusal, and addresses come back when released.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../../../controllers/compute/store.ts';
import { overlaps, parseCidr } from '../../../controllers/network/ipam.ts';
import {
  allocateAddress,
  allocateNetwork,
  allocateSubnets,
  IpamRefusal,
  releaseAddress,
  releaseNetwork,
  subnetUsage,
} from '../../../controllers/network/store.ts';
import { uniqueName } from '../../support/kube.ts';
import { migratedPool } from '../../support/databases.ts';

describe('integration: IPAM on PostgreSQL', function () {
  this.timeout(60_000);
  let poolA: pg.Pool;
  let poolB: pg.Pool;
  const scope = uniqueName('ipam');

  before(async () => {
    poolA = await migratedPool('infra_db', 10);
    poolB = await migratedPool('infra_db', 10);
  });
  after(async () => {
    await poolA.query(
      'DELETE FROM addresses WHERE network_uid IN (SELECT uid FROM networks WHERE scope LIKE $1)',
      [`${scope}%`],
    );
    await poolA.query('DELETE FROM networks WHERE scope LIKE $1', [`${scope}%`]);
    await Promise.all([poolA.end(), poolB.end()]);
  });

  const claim = (name: string, extra: { cidr?: string; prefixLength?: number }, s = scope) => ({
    uid: randomUUID(),
    scope: s,
    name,
    region: 'eu-west-1',
    ...extra,
  });

  it('refuses an explicit CIDR that overlaps another network of the tenant, naming it', async () => {
    await withTransaction(poolA, (c) => allocateNetwork(c, claim('first', { cidr: '10.20.0.0/16' })));
    await assert.rejects(
      withTransaction(poolA, (c) => allocateNetwork(c, claim('second', { cidr: '10.20.128.0/17' }))),
      (err: unknown) =>
        err instanceof IpamRefusal &&
        err.reason === 'Overlap' &&
        /overlaps network first \(10\.20\.0\.0\/16\)/.test(err.message),
    );
  });

  it('the database itself refuses an overlapping row, even written by hand', async () => {
    await assert.rejects(
      poolA.query(
        "INSERT INTO networks (uid, scope, name, region, cidr) VALUES ($1, $2, 'raw', 'eu-west-1', '10.20.5.0/24')",
        [randomUUID(), scope],
      ),
      (err: unknown) => (err as { code?: string }).code === '23P01',
    );
  });

  it('is idempotent by uid: a second allocation returns the first', async () => {
    const c = claim('same', { prefixLength: 24 });
    const a = await withTransaction(poolA, (x) => allocateNetwork(x, c));
    const b = await withTransaction(poolB, (x) => allocateNetwork(x, c));
    assert.equal(a.cidr, b.cidr);
  });

  it('two allocators racing for 40 networks get 40 disjoint blocks', async () => {
    const raceScope = `${scope}-race`;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        withTransaction(i % 2 ? poolA : poolB, (c) =>
          allocateNetwork(c, claim(`n${i}`, { prefixLength: 24 }, raceScope)),
        ),
      ),
    );
    const blocks = results.map((r) => parseCidr(r.cidr));
    for (let i = 0; i < blocks.length; i++)
      for (let j = i + 1; j < blocks.length; j++)
        assert.ok(!overlaps(blocks[i]!, blocks[j]!), `${results[i]!.cidr} vs ${results[j]!.cidr}`);
    assert.equal(new Set(results.map((r) => r.cidr)).size, 40);
  });

  it('refuses a subnet outside its network, and reports pool exhaustion clearly', async () => {
    const net = await withTransaction(poolA, (c) =>
      allocateNetwork(c, claim('small', { cidr: '10.30.0.0/24' })),
    );
    await assert.rejects(
      withTransaction(poolA, (c) =>
        allocateSubnets(c, net, [{ name: 'out', zone: 'eu-west-1a', cidr: '10.31.0.0/26' }]),
      ),
      (err: unknown) => err instanceof IpamRefusal && err.reason === 'OutsideNetwork',
    );
    await withTransaction(poolA, (c) =>
      allocateSubnets(
        c,
        net,
        [1, 2, 3, 4].map((i) => ({ name: `s${i}`, zone: 'eu-west-1a', prefixLength: 26 })),
      ),
    );
    await assert.rejects(
      withTransaction(poolA, (c) =>
        allocateSubnets(c, net, [{ name: 's5', zone: 'eu-west-1a', prefixLength: 26 }]),
      ),
      (err: unknown) =>
        err instanceof IpamRefusal &&
        err.reason === 'Exhausted' &&
        /no free \/26 left in 10\.30\.0\.0\/24/.test(err.message),
    );
  });

  it('hands out exactly the 11 assignable addresses of a /28, concurrently, then refuses; a released one is reused', async () => {
    const net = await withTransaction(poolA, (c) =>
      allocateNetwork(c, claim('tiny', { cidr: '10.40.0.0/28' })),
    );
    await withTransaction(poolA, (c) =>
      allocateSubnets(c, net, [{ name: 'only', zone: 'eu-west-1a', cidr: '10.40.0.0/28' }]),
    );
    const owners = Array.from({ length: 12 }, () => randomUUID());
    const results = await Promise.allSettled(
      owners.map((o, i) =>
        withTransaction(i % 2 ? poolA : poolB, (c) => allocateAddress(c, net.uid, 'only', o)),
      ),
    );
    const got = results
      .filter((r) => r.status === 'fulfilled')
      .map((r) => (r as PromiseFulfilledResult<string>).value);
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(got.length, 11);
    assert.equal(refused.length, 1);
    assert.match(
      (refused[0]!.reason as Error).message,
      /has no free address: all 11 assignable addresses are in use/,
    );
    assert.deepEqual(
      [...got].sort((a, b) => Number(a.split('.')[3]) - Number(b.split('.')[3])),
      Array.from({ length: 11 }, (_, i) => `10.40.0.${i + 4}`),
    );
    const usage = await subnetUsage(poolA, net.uid);
    assert.deepEqual(
      usage.map((u) => [u.usableAddresses, u.allocatedAddresses]),
      [[11, 11]],
    );
    const holder = owners[results.findIndex((r) => r.status === 'fulfilled' && r.value === '10.40.0.9')]!;
    await withTransaction(poolA, (c) => releaseAddress(c, holder));
    const again = await withTransaction(poolA, (c) => allocateAddress(c, net.uid, 'only', randomUUID()));
    assert.equal(again, '10.40.0.9');
    await assert.rejects(
      withTransaction(poolA, (c) => releaseNetwork(c, net.uid)),
      (err: unknown) => err instanceof IpamRefusal && err.reason === 'InUse',
    );
  });
});
