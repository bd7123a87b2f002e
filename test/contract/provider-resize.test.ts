// Resizing instances, through the operator's HTTP client against a simulator process of the test's own: the
// new size lands with the operation and the host's room follows it; a size the host has no room for is refused
// at once with a 409 that says what is free, growth already promised to other instances counting; and a resize
// that no longer fits when it lands fails instead of over-committing the host.
import assert from 'node:assert/strict';
import { HttpProvider } from '../../controllers/provider/http-client.ts';
import {
  ProviderNotFoundError,
  ProviderRequestError,
  type CreateInstanceRequest,
} from '../../controllers/provider/types.ts';
import { CloudConsole } from '../support/console.ts';
import { created, settled, startOwnSimulator, type OwnSimulator } from '../support/simulator.ts';

// Every simulated host has 64 vCPU and 262144 MiB.
describe('contract: provider instance resize', function () {
  this.timeout(60_000);
  let sim: OwnSimulator;
  let provider: HttpProvider;
  let cloud: CloudConsole;

  const launch = (token: string, hostId: string, vcpu: number, over: Partial<CreateInstanceRequest> = {}) =>
    created(
      provider,
      provider.createInstance({
        idempotencyToken: token,
        region: 'eu-west-1',
        zone: hostId.slice(0, 'eu-west-1a'.length),
        hostId,
        vcpu,
        memoryMiB: 1024,
        image: 'debian-12',
        ...over,
      }),
    );
  const faults = (body: object) =>
    fetch(`${sim.url}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  /** Asks for something while every new operation is slow, so that it is still running afterwards. */
  const whileSlow = async <T>(ask: () => Promise<T>): Promise<T> => {
    await faults({ slowMs: 1_500 });
    try {
      return await ask();
    } finally {
      await faults({ slowMs: 0 });
    }
  };
  const noRoom = (e: unknown) =>
    e instanceof ProviderRequestError &&
    e.status === 409 &&
    e.code === 'InsufficientCapacity' &&
    /has no room for instance i-\S+ at \d+ vCPU and \d+ MiB: at most \d+ vCPU and \d+ MiB are free for it/.test(
      e.message,
    );

  before(async () => {
    sim = await startOwnSimulator({ OMNICLOUD_SIM_HOSTS_PER_ZONE: '3' });
    provider = new HttpProvider(sim.url, { baseBackoffMs: 20 });
    cloud = new CloudConsole(sim.url);
  });
  after(async () => {
    if (sim) await sim.dispose();
  });

  let id: string;
  it('resizes when the operation succeeds; get shows the new size and the host has that much less room', async () => {
    id = await launch('r-1', 'eu-west-1a-h000', 2);
    const op = await provider.resizeInstance(id, { vcpu: 8, memoryMiB: 16384 }, 'r-1-grow');
    assert.deepEqual([op.kind, op.resourceId], ['resize-instance', id]);
    assert.equal((await settled(provider, op.id)).status, 'succeeded');
    const seen = await provider.getInstance(id);
    assert.deepEqual([seen?.vcpu, seen?.memoryMiB, seen?.state], [8, 16384, 'running']);
    const tooBig = await settled(
      provider,
      (
        await provider.createInstance({
          idempotencyToken: 'r-filler-57',
          region: 'eu-west-1',
          zone: 'eu-west-1a',
          hostId: 'eu-west-1a-h000',
          vcpu: 57,
          memoryMiB: 1024,
          image: 'x',
        })
      ).id,
    );
    assert.deepEqual([tooBig.status, tooBig.error?.code], ['failed', 'InsufficientCapacity'], '8 + 57 > 64');
    await launch('r-filler-56', 'eu-west-1a-h000', 56);
  });

  it('gives the same operation for the same token', async () => {
    const a = await provider.resizeInstance(id, { vcpu: 4, memoryMiB: 4096 }, 'r-1-shrink');
    const b = await provider.resizeInstance(id, { vcpu: 4, memoryMiB: 4096 }, 'r-1-shrink');
    assert.equal(b.id, a.id);
    assert.equal((await settled(provider, a.id)).status, 'succeeded');
    assert.deepEqual([(await provider.getInstance(id))?.vcpu], [4]);
  });

  it('refuses at once (409) a size the host has no room for, saying what is free', async () => {
    // The host holds 4 (this one) + 56: the instance can have at most 8.
    await assert.rejects(provider.resizeInstance(id, { vcpu: 9, memoryMiB: 4096 }, 'r-1-too-big'), noRoom);
    await assert.rejects(
      provider.resizeInstance(id, { vcpu: 9, memoryMiB: 4096 }, 'r-1-too-big-2'),
      (e: unknown) =>
        e instanceof Error && e.message.includes('at most 8 vCPU and 261120 MiB are free for it'),
    );
    await assert.rejects(provider.resizeInstance(id, { vcpu: 2, memoryMiB: 262145 }, 'r-1-memory'), noRoom);
    const ok = await provider.resizeInstance(id, { vcpu: 8, memoryMiB: 4096 }, 'r-1-exactly');
    assert.equal((await settled(provider, ok.id)).status, 'succeeded');
  });

  it('counts growth promised to other instances of the host, so two resizes cannot both take the last room', async () => {
    const a = await launch('r-a', 'eu-west-1a-h001', 2);
    const b = await launch('r-b', 'eu-west-1a-h001', 2);
    const growA = await whileSlow(() =>
      provider.resizeInstance(a, { vcpu: 40, memoryMiB: 1024 }, 'r-a-grow'),
    );
    assert.equal(growA.status, 'running');
    await assert.rejects(provider.resizeInstance(b, { vcpu: 40, memoryMiB: 1024 }, 'r-b-grow'), noRoom);
    assert.equal((await settled(provider, growA.id)).status, 'succeeded');
    const growB = await provider.resizeInstance(b, { vcpu: 24, memoryMiB: 1024 }, 'r-b-grow-fits');
    assert.equal((await settled(provider, growB.id)).status, 'succeeded');
  });

  it('fails a resize that no longer fits when it lands (the host filled up meanwhile from the console)', async () => {
    const a = await launch('r-c', 'eu-west-1a-h002', 2);
    const b = await launch('r-d', 'eu-west-1a-h002', 2);
    const grow = await whileSlow(() => provider.resizeInstance(a, { vcpu: 32, memoryMiB: 1024 }, 'r-c-grow'));
    await cloud.resizeInstance(b, { vcpu: 40 });
    const ended = await settled(provider, grow.id);
    assert.deepEqual([ended.status, ended.error?.code], ['failed', 'InsufficientCapacity']);
    assert.equal((await provider.getInstance(a))?.vcpu, 2, 'the instance keeps its size');
  });

  it('answers 404 for an instance it does not have, and 400 for a size that is not one', async () => {
    await assert.rejects(
      provider.resizeInstance('i-missing', { vcpu: 1, memoryMiB: 512 }, 'r-missing'),
      (e: unknown) =>
        e instanceof ProviderNotFoundError && /instance i-missing does not exist/.test(e.message),
    );
    for (const size of [
      { vcpu: 0, memoryMiB: 512 },
      { vcpu: 1.5, memoryMiB: 512 },
      { vcpu: 1, memoryMiB: -1 },
    ])
      await assert.rejects(
        provider.resizeInstance(id, size, `r-bad-${size.vcpu}-${size.memoryMiB}`),
        (e: unknown) =>
          e instanceof ProviderRequestError && e.status === 400 && /vcpu|memoryMiB/.test(e.message),
      );
  });

  it('fails a resize in a down zone with a failed operation naming the zone', async () => {
    await faults({ zone: 'eu-west-1a', down: true });
    try {
      const op = await provider.resizeInstance(id, { vcpu: 1, memoryMiB: 512 }, 'r-down');
      assert.deepEqual(
        [op.status, op.error],
        ['failed', { code: 'ZoneUnavailable', message: 'zone eu-west-1a is down' }],
      );
    } finally {
      await faults({ zone: 'eu-west-1a', down: false });
    }
    assert.equal((await provider.getInstance(id))?.vcpu, 8);
  });
});
