// Provider calls per observe interval grow with the zones that hold managed resources, not with the number of
// resources: the Compute kind's zone observer, against a simulator of the test's own, lists each zone page by
// page, and the simulator's call counter is the judge. The cost of the same observation done per object (one
// get each, as before the observer) is counted beside it.
import assert from 'node:assert/strict';
import pino from 'pino';
import { instanceObserver } from '../../controllers/compute/client.ts';
import { HttpProvider } from '../../controllers/provider/http-client.ts';
import type { CloudProvider } from '../../controllers/provider/types.ts';
import { CloudConsole } from '../support/console.ts';
import { startOwnSimulator, type OwnSimulator } from '../support/simulator.ts';

const log = pino({ level: 'silent' });

async function createInstances(
  provider: CloudProvider,
  zone: string,
  n: number,
  tag: string,
): Promise<string[]> {
  const hosts = (await provider.listHosts('eu-west-1')).filter((h) => h.zone === zone);
  const ops = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      provider.createInstance({
        idempotencyToken: `${tag}-${zone}-${i}`,
        region: 'eu-west-1',
        zone,
        hostId: hosts[i % hosts.length]!.id,
        vcpu: 1,
        memoryMiB: 256,
        image: 'debian-12',
      }),
    ),
  );
  const ids: string[] = [];
  for (const op of ops) {
    let done = await provider.getOperation(op.id);
    while (done.status === 'pending' || done.status === 'running') {
      await new Promise((r) => setTimeout(r, 20));
      done = await provider.getOperation(op.id);
    }
    assert.equal(done.status, 'succeeded', done.error?.message);
    ids.push(done.resourceId!);
  }
  return ids;
}

/** Provider calls one observer interval makes with every id tracked. */
async function callsPerInterval(
  sim: OwnSimulator,
  provider: CloudProvider,
  ids: Map<string, string>,
): Promise<{ total: number; lists: number }> {
  const observer = instanceObserver({ provider, observeIntervalMs: 60_000 }, log);
  for (const [id, zone] of ids) observer.track({ region: 'eu-west-1', zone }, id, `ns/${id}`);
  const console_ = new CloudConsole(sim.url);
  await observer.observeAll(); // the first listing of each zone
  await console_.resetCalls();
  await observer.observeAll();
  const calls = await console_.calls();
  const lists = Object.entries(calls.byRoute)
    .filter(([route]) => route.startsWith('GET /v1/instances') && !route.includes(':id'))
    .reduce((n, [, c]) => n + c, 0);
  return { total: calls.total, lists };
}

describe('performance: provider calls per observe interval', function () {
  this.timeout(180_000);
  let sim: OwnSimulator;
  let provider: HttpProvider;
  const zones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
  const byZone = new Map<string, string[]>();

  before(async () => {
    sim = await startOwnSimulator({ OMNICLOUD_SIM_LATENCY_MS: '5' });
    provider = new HttpProvider(sim.url);
    for (const zone of zones) byZone.set(zone, await createInstances(provider, zone, 120, 'perf'));
  });
  after(async () => sim?.dispose());

  const tracked = (zoneCount: number, perZone: number) =>
    new Map(
      zones.slice(0, zoneCount).flatMap((z) =>
        byZone
          .get(z)!
          .slice(0, perZone)
          .map((id) => [id, z] as const),
      ),
    );

  it('makes one listing call per zone whether the zone holds 1 or 120 instances', async () => {
    const few = await callsPerInterval(sim, provider, tracked(1, 1));
    const many = await callsPerInterval(sim, provider, tracked(1, 120));
    console.log(`      1 zone: 1 instance ${few.total} call(s), 120 instances ${many.total} call(s)`);
    assert.equal(few.total, 1);
    assert.equal(many.total, 1);
  });

  it('grows with zones: three zones of 120 instances each cost three calls, not 360', async () => {
    const calls = await callsPerInterval(sim, provider, tracked(3, 120));
    console.log(`      3 zones, 360 instances: ${calls.total} call(s); one get per instance would be 360`);
    assert.equal(calls.total, 3);
    assert.equal(calls.lists, 3);
  });

  it('untracked zones are not listed at all', async () => {
    const calls = await callsPerInterval(sim, provider, new Map());
    assert.equal(calls.total, 0);
  });

  it('wakes only the instances whose outside state changed', async () => {
    const observer = instanceObserver({ provider, observeIntervalMs: 60_000 }, log);
    const woken: string[] = [];
    observer.onChange((key) => woken.push(key));
    for (const [id, zone] of tracked(3, 120)) observer.track({ region: 'eu-west-1', zone }, id, `ns/${id}`);
    await observer.observeAll();
    woken.length = 0;
    const edited = byZone.get('eu-west-1b')![7]!;
    await new CloudConsole(sim.url).setPower(edited, 'stopped');
    await observer.observeAll();
    assert.deepEqual(woken, [`ns/${edited}`]);
  });
});
