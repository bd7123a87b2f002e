// The simulated cloud as a state machine with a controlled clock: operations complete after their latency,
// idempotency tokens never create twice, outages fail work and show on instances, state survives a restart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Journal } from '../../../controllers/provider/simulator/journal.ts';
import { SimulatorError } from '../../../controllers/provider/simulator/errors.ts';
import { CloudState, defaultConfig } from '../../../controllers/provider/simulator/state.ts';

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

  describe('public addresses', () => {
    const created = (s: CloudState, token: string, over: object = {}) => {
      const op = s.createInstance(create(token, { vcpu: 1, memoryMiB: 512, publicIp: true, ...over }));
      now += 150;
      return s.getInstance(s.getOperation(op.id).resourceId!)!;
    };

    it('gives each instance that asks its own address from the region pool, and none to the others', () => {
      const s = new CloudState(config, clock);
      const a = created(s, 'a');
      const b = created(s, 'b', { hostId: 'eu-west-1a-h001' });
      const c = created(s, 'c', { region: 'us-east-1', zone: 'us-east-1a', hostId: 'us-east-1a-h000' });
      const plain = created(s, 'd', { publicIp: false });
      assert.deepEqual([a.publicIp, b.publicIp, c.publicIp], ['198.51.100.1', '198.51.100.2', '203.0.113.1']);
      assert.equal(plain.publicIp, undefined);
      assert.equal(s.allInstances().find((i) => i.id === a.id)?.publicIp, '198.51.100.1');
    });

    it('gives other regions documentation or benchmark space, the same on every start', () => {
      const regions = [
        ...config.regions,
        { name: 'ap-south-1', zones: ['ap-south-1a'] },
        { name: 'sa-east-1', zones: ['sa-east-1a'] },
      ];
      const s = new CloudState({ ...config, regions }, clock);
      const ap = created(s, 'ap', { region: 'ap-south-1', zone: 'ap-south-1a', hostId: 'ap-south-1a-h000' });
      const sa = created(s, 'sa', { region: 'sa-east-1', zone: 'sa-east-1a', hostId: 'sa-east-1a-h000' });
      assert.deepEqual([ap.publicIp, sa.publicIp], ['192.0.2.1', '198.18.0.1']);
    });

    it('keeps the address while stopped and reuses it only once the holder is deleted', () => {
      const s = new CloudState(config, clock);
      const a = created(s, 'a');
      s.getOperation(s.instanceAction(a.id, 'stop-a', 'stop').id);
      now += 150;
      assert.deepEqual([s.getInstance(a.id)?.state, s.getInstance(a.id)?.publicIp], ['stopped', a.publicIp]);
      assert.equal(created(s, 'b').publicIp, '198.51.100.2', 'a stopped instance still holds its address');
      s.instanceAction(a.id, 'del-a', 'delete-instance');
      now += 150;
      assert.deepEqual(
        [s.getInstance(a.id)?.state, s.getInstance(a.id)?.publicIp],
        ['terminated', undefined],
      );
      assert.equal(created(s, 'c').publicIp, a.publicIp, 'the released address is handed out again');
    });

    it('fails the create once the pool is used up, and succeeds again after a delete', () => {
      const s = new CloudState({ ...config, publicIpPools: { 'eu-west-1': '198.51.100.0/30' } }, clock);
      const a = created(s, 'a');
      created(s, 'b');
      const op = s.createInstance(create('c', { vcpu: 1, memoryMiB: 512, publicIp: true }));
      assert.equal(op.status, 'failed');
      assert.equal(op.error?.code, 'AddressesExhausted');
      assert.equal(op.error?.message, 'no public addresses left in region eu-west-1');
      assert.equal(s.allInstances().length, 2, 'nothing was created for the refused request');
      s.instanceAction(a.id, 'del-a', 'delete-instance');
      now += 150;
      assert.equal(created(s, 'd').publicIp, a.publicIp);
    });

    it('allocates once per idempotency token', () => {
      const s = new CloudState(config, clock);
      const first = s.createInstance(create('same', { publicIp: true }));
      assert.equal(s.createInstance(create('same', { publicIp: true })).id, first.id);
      now += 150;
      assert.equal(s.getInstance(first.resourceId!)?.publicIp, '198.51.100.1');
      assert.equal(created(s, 'other').publicIp, '198.51.100.2');
    });

    it('gives the address back when the create fails by an injected fault or an outage', () => {
      const s = new CloudState(config, clock, undefined, () => 0);
      s.setFaults({ failProbability: 0.5 });
      const failed = s.createInstance(create('f', { publicIp: true }));
      assert.equal(failed.error?.code, 'InjectedFailure');
      s.setFaults({ failProbability: 0 });
      const op = s.createInstance(create('z', { publicIp: true }));
      s.setFaults({ downZones: ['eu-west-1a'] });
      now += 150;
      assert.equal(s.getOperation(op.id).error?.code, 'ZoneUnavailable');
      s.setFaults({ downZones: [] });
      assert.equal(created(s, 'ok').publicIp, '198.51.100.1', 'neither failed create kept an address');
      assert.equal(s.allInstances().filter((i) => i.state !== 'terminated').length, 1);
    });

    it('keeps addresses across a restart and never hands out a held one', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-'));
      const file = path.join(dir, 'state.jsonl');
      const j1 = new Journal(file);
      const s1 = new CloudState(config, clock, j1);
      s1.restore(j1.load());
      const a = created(s1, 'a');
      const b = created(s1, 'b');
      s1.instanceAction(a.id, 'del-a', 'delete-instance');
      now += 150;
      s1.getInstance(a.id);
      j1.close();
      const j2 = new Journal(file);
      const s2 = new CloudState(config, clock, j2);
      s2.restore(j2.load());
      assert.equal(s2.getInstance(b.id)?.publicIp, '198.51.100.2');
      assert.equal(s2.createInstance(create('b', { publicIp: true })).resourceId, b.id);
      assert.equal(created(s2, 'c').publicIp, '198.51.100.1', 'the deleted holder released it');
      assert.equal(created(s2, 'd').publicIp, '198.51.100.3', 'the live holder still has it');
      j2.close();
      fs.rmSync(dir, { recursive: true });
    });
  });

  describe('volumes', () => {
    const volume = (token: string, over: object = {}) => ({
      idempotencyToken: token,
      region: 'eu-west-1',
      zone: 'eu-west-1b',
      type: 'ssd' as const,
      sizeGiB: 100,
      ...over,
    });
    const settled = (s: CloudState, op: { id: string }) => {
      now += 150;
      return s.getOperation(op.id);
    };

    it('creates a volume through an operation, visible once it completes', () => {
      const s = new CloudState(config, clock);
      const op = s.createVolume(volume('v'));
      assert.deepEqual([op.kind, op.status], ['create-volume', 'running']);
      assert.equal(s.getVolume(op.resourceId!), undefined, 'not there before the operation completes');
      now += 100;
      assert.equal(s.getOperation(op.id).status, 'succeeded');
      assert.equal(s.getVolume(op.resourceId!), undefined, 'eventually consistent: not visible yet');
      now += 50;
      assert.deepEqual(s.getVolume(op.resourceId!), {
        id: op.resourceId,
        region: 'eu-west-1',
        zone: 'eu-west-1b',
        type: 'ssd',
        sizeGiB: 100,
        state: 'available',
      });
    });

    it('returns the same operation for the same token and creates one volume', () => {
      const s = new CloudState(config, clock);
      const a = s.createVolume(volume('same'));
      assert.equal(s.createVolume(volume('same', { sizeGiB: 5 })).id, a.id);
      assert.equal(s.allVolumes().length, 1);
    });

    it('fails the create at once on an injected failure, leaving no volume', () => {
      const s = new CloudState(config, clock, undefined, () => 0);
      s.setFaults({ failProbability: 0.5, failMessage: 'disk array on fire' });
      const op = s.createVolume(volume('f'));
      assert.deepEqual(op.error, { code: 'InjectedFailure', message: 'disk array on fire' });
      now += 200;
      assert.equal(s.getVolume(op.resourceId!), undefined);
      assert.deepEqual(
        s.allVolumes().map((v) => v.state),
        ['deleted'],
      );
    });

    it('refuses a zone outside the region with a 400', () => {
      const s = new CloudState(config, clock);
      assert.throws(
        () => s.createVolume(volume('x', { zone: 'us-east-1a' })),
        (e: unknown) =>
          e instanceof SimulatorError && e.status === 400 && /not in region eu-west-1/.test(e.message),
      );
      assert.throws(
        () => s.createVolume(volume('y', { region: 'mars-1' })),
        (e: unknown) => e instanceof SimulatorError && e.code === 'InvalidRegion',
      );
    });

    it('fails the create in a down zone or region, naming it, and on an outage before it completes', () => {
      const s = new CloudState(config, clock);
      s.setFaults({ downZones: ['eu-west-1b'] });
      const refused = s.createVolume(volume('z'));
      assert.deepEqual(refused.error, { code: 'ZoneUnavailable', message: 'zone eu-west-1b is down' });
      s.setFaults({ downZones: [], downRegions: ['eu-west-1'] });
      assert.equal(s.createVolume(volume('r')).error?.code, 'RegionUnavailable');
      s.setFaults({ downRegions: [] });
      const op = s.createVolume(volume('late'));
      s.setFaults({ downZones: ['eu-west-1b'] });
      assert.equal(settled(s, op).error?.message, 'zone eu-west-1b is down');
      s.setFaults({ downZones: [] });
      now += 100;
      assert.equal(s.getVolume(op.resourceId!), undefined, 'a failed create leaves no volume');
      assert.deepEqual(
        s.allVolumes().map((v) => v.state),
        ['deleted'],
      );
    });

    it('shows an outage on an existing volume as failed until it ends', () => {
      const s = new CloudState(config, clock);
      const id = settled(s, s.createVolume(volume('v'))).resourceId!;
      now += 50;
      s.setFaults({ downZones: ['eu-west-1b'] });
      assert.deepEqual(
        [s.getVolume(id)?.state, s.getVolume(id)?.message],
        ['failed', 'zone eu-west-1b is down'],
      );
      assert.equal(s.resizeVolume(id, 200, 'grow').error?.code, 'ZoneUnavailable');
      s.setFaults({ downZones: [] });
      assert.deepEqual([s.getVolume(id)?.state, s.getVolume(id)?.sizeGiB], ['available', 100]);
    });

    it('grows a volume when the resize completes, not before, and refuses anything else', () => {
      const s = new CloudState(config, clock);
      const id = settled(s, s.createVolume(volume('v'))).resourceId!;
      now += 50;
      const grow = s.resizeVolume(id, 200, 'grow');
      assert.deepEqual([grow.kind, grow.status, grow.resourceId], ['resize-volume', 'running', id]);
      assert.equal(s.getVolume(id)?.sizeGiB, 100, 'the old size until the operation completes');
      assert.equal(s.resizeVolume(id, 200, 'grow').id, grow.id, 'the same token gives the same operation');
      assert.throws(
        () => s.resizeVolume(id, 150, 'shrink-in-flight'),
        (e: unknown) =>
          e instanceof SimulatorError &&
          e.status === 400 &&
          e.code === 'InvalidSize' &&
          e.message ===
            `volume ${id} is 100 GiB, already growing to 200 GiB; it can only grow, and 150 GiB is not larger`,
      );
      assert.equal(settled(s, grow).status, 'succeeded');
      assert.equal(s.getVolume(id)?.sizeGiB, 200);
      assert.equal(s.resizeVolume(id, 200, 'grow').id, grow.id, 'a replayed token is not checked again');
      for (const size of [200, 50])
        assert.throws(
          () => s.resizeVolume(id, size, `to-${size}`),
          (e: unknown) =>
            e instanceof SimulatorError &&
            e.status === 400 &&
            e.message === `volume ${id} is 200 GiB; it can only grow, and ${size} GiB is not larger`,
        );
      assert.throws(
        () => s.resizeVolume('vol-nope', 300, 'nope'),
        (e: unknown) => e instanceof SimulatorError && e.status === 404,
      );
    });

    it('deletes a volume, which then shows as deleted and cannot grow', () => {
      const s = new CloudState(config, clock);
      const id = settled(s, s.createVolume(volume('v'))).resourceId!;
      const del = s.deleteVolume(id, 'del');
      assert.deepEqual([del.kind, s.deleteVolume(id, 'del').id], ['delete-volume', del.id]);
      s.setFaults({ downZones: ['eu-west-1b'] });
      assert.equal(settled(s, del).status, 'succeeded', 'an outage does not block a delete');
      s.setFaults({ downZones: [] });
      assert.equal(s.getVolume(id)?.state, 'deleted');
      assert.throws(
        () => s.resizeVolume(id, 300, 'late'),
        (e: unknown) => e instanceof SimulatorError && e.status === 404,
      );
      assert.throws(
        () => s.deleteVolume('vol-nope', 'x'),
        (e: unknown) => e instanceof SimulatorError && e.status === 404,
      );
    });

    it('fails a resize whose volume is deleted before it completes', () => {
      const s = new CloudState(config, clock);
      const id = settled(s, s.createVolume(volume('v'))).resourceId!;
      s.setFaults({ slowMs: 500 });
      const grow = s.resizeVolume(id, 200, 'grow');
      s.setFaults({ slowMs: 0 });
      assert.equal(settled(s, s.deleteVolume(id, 'del')).status, 'succeeded');
      now += 500;
      assert.equal(s.getOperation(grow.id).error?.code, 'NotFound');
      assert.deepEqual([s.getVolume(id)?.state, s.getVolume(id)?.sizeGiB], ['deleted', 100]);
    });

    it('keeps volumes, sizes and tokens across a restart, with a resize still running', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-'));
      const file = path.join(dir, 'state.jsonl');
      const j1 = new Journal(file);
      const s1 = new CloudState(config, clock, j1);
      s1.restore(j1.load());
      const created = s1.createVolume(volume('v'));
      const id = settled(s1, created).resourceId!;
      const grow = s1.resizeVolume(id, 300, 'grow');
      j1.close();
      const j2 = new Journal(file);
      const s2 = new CloudState(config, clock, j2);
      s2.restore(j2.load());
      assert.equal(s2.createVolume(volume('v')).id, created.id);
      assert.equal(s2.resizeVolume(id, 300, 'grow').id, grow.id);
      assert.equal(s2.getVolume(id)?.sizeGiB, 100);
      assert.equal(settled(s2, grow).status, 'succeeded');
      assert.equal(s2.getVolume(id)?.sizeGiB, 300);
      j2.close();
      const j3 = new Journal(file);
      const s3 = new CloudState(config, clock, j3);
      s3.restore(j3.load());
      assert.equal(s3.getVolume(id)?.sizeGiB, 300, 'the completed resize was journaled');
      j3.close();
      fs.rmSync(dir, { recursive: true });
    });
  });
});
