// The simulated cloud as a state machine with a controlled clock: operations complete after their latency,
// idempotency tokens never create twice, outages fail work and show on instances, state survives a restart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Journal } from '../../../controllers/provider/simulator/journal.ts';
import { CloudState, defaultConfig, SimulatorError } from '../../../controllers/provider/simulator/state.ts';

const config = {
  ...defaultConfig,
  hostsPerZone: 2,
  hostCapacity: { vcpu: 4, memoryMiB: 8192, gpu: 0 },
  latencyMs: 100,
  visibilityDelayMs: 50,
};
const create = (token: string, over: object = {}) => ({
  idempotencyToken: token,
  region: 'eu-west-1',
  zone: 'eu-west-1a',
  hostId: 'eu-west-1a-h000',
  vcpu: 2,
  memoryMiB: 2048,
  image: 'debian-12',
  ...over,
});

describe('unit: cloud simulator state', () => {
  let now = 1_000_000;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('lists regions, zones and hosts with capacity', () => {
    const s = new CloudState(config, clock);
    assert.deepEqual(
      s.regions().map((r) => r.name),
      ['eu-west-1', 'us-east-1'],
    );
    assert.equal(s.listHosts('eu-west-1').length, 6);
    assert.deepEqual(s.listHosts()[0]!.capacity, { vcpu: 4, memoryMiB: 8192, gpu: 0 });
  });

  it('runs an operation after its latency, then hides the instance until it becomes visible', () => {
    const s = new CloudState(config, clock);
    const op = s.createInstance(create('t1'));
    assert.equal(op.status, 'running');
    now += 99;
    assert.equal(s.getOperation(op.id).status, 'running');
    now += 1;
    const done = s.getOperation(op.id);
    assert.equal(done.status, 'succeeded');
    assert.equal(s.getInstance(done.resourceId!), undefined, 'eventually consistent: not visible yet');
    now += 50;
    assert.equal(s.getInstance(done.resourceId!)?.state, 'running');
  });

  it('returns the same operation for the same token and creates nothing twice', () => {
    const s = new CloudState(config, clock);
    const a = s.createInstance(create('same'));
    const b = s.createInstance(create('same'));
    assert.equal(a.id, b.id);
    assert.equal(s.allInstances().length, 1);
  });

  it('refuses a create that does not fit on the host, with a failed operation', () => {
    const s = new CloudState(config, clock);
    s.createInstance(create('a', { vcpu: 4 }));
    const op = s.createInstance(create('b', { vcpu: 1 }));
    assert.equal(op.status, 'failed');
    assert.match(op.error!.message, /no room/);
    assert.equal(op.error!.code, 'InsufficientCapacity');
  });

  it('refuses a host outside the zone with a 400', () => {
    const s = new CloudState(config, clock);
    assert.throws(
      () => s.createInstance(create('x', { zone: 'eu-west-1b' })),
      (e: unknown) => e instanceof SimulatorError && e.status === 400,
    );
  });

  it('a zone outage fails new work there and shows on its instances until it ends', () => {
    const s = new CloudState(config, clock);
    const op = s.createInstance(create('z1'));
    now += 200;
    const id = s.getOperation(op.id).resourceId!;
    s.setFaults({ downZones: ['eu-west-1a'] });
    assert.deepEqual(s.getInstance(id), {
      ...s.getInstance(id)!,
      state: 'failed',
      message: 'zone eu-west-1a is down',
    });
    const refused = s.createInstance(create('z2', { hostId: 'eu-west-1a-h001' }));
    assert.equal(refused.status, 'failed');
    assert.equal(refused.error!.code, 'ZoneUnavailable');
    assert.equal(s.listHosts().find((h) => h.id === 'eu-west-1a-h000')!.status, 'down');
    s.setFaults({ downZones: [] });
    assert.equal(s.getInstance(id)?.state, 'running');
  });

  it('a region outage fails network creation with RegionUnavailable', () => {
    const s = new CloudState(config, clock);
    s.setFaults({ downRegions: ['us-east-1'] });
    const op = s.createNetwork({ idempotencyToken: 'n', region: 'us-east-1', cidr: '10.0.0.0/16' });
    assert.equal(op.error?.code, 'RegionUnavailable');
  });

  it('throttles with 429 when asked to', () => {
    const s = new CloudState(config, clock, undefined, () => 0);
    s.setFaults({ throttleProbability: 0.5 });
    assert.throws(
      () => s.admit(),
      (e: unknown) => e instanceof SimulatorError && e.status === 429,
    );
  });

  it('stops, starts and deletes, giving capacity back on delete', () => {
    const s = new CloudState(config, clock);
    const id = s.createInstance(create('c', { vcpu: 4 })).resourceId!;
    now += 200;
    s.getOperation(s.instanceAction(id, 'stop-1', 'stop').id);
    now += 200;
    assert.equal(s.getInstance(id)?.state, 'stopped');
    const del = s.instanceAction(id, 'del-1', 'delete-instance');
    now += 200;
    assert.equal(s.getOperation(del.id).status, 'succeeded');
    assert.equal(s.getInstance(id)?.state, 'terminated');
    assert.equal(s.createInstance(create('d', { vcpu: 4 })).status, 'running', 'the host has room again');
  });

  it('keeps its state across a restart through the journal, including a torn last line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-'));
    const file = path.join(dir, 'state.jsonl');
    const j1 = new Journal(file);
    const s1 = new CloudState(config, clock, j1);
    s1.restore(j1.load());
    const op = s1.createInstance(create('persist'));
    now += 200;
    const id = s1.getOperation(op.id).resourceId!;
    s1.setFaults({ slowMs: 5 });
    j1.close();
    fs.appendFileSync(file, '{"t":"instance","id":"half');
    const j2 = new Journal(file);
    const s2 = new CloudState(config, clock, j2);
    s2.restore(j2.load());
    now += 100;
    assert.equal(s2.getInstance(id)?.state, 'running');
    assert.equal(s2.createInstance(create('persist')).id, op.id, 'the token still maps to its operation');
    assert.equal(s2.faults.slowMs, 5);
    j2.close();
    fs.rmSync(dir, { recursive: true });
  });
});
