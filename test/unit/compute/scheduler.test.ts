// The Compute placement scheduler: each constraint on its own, then seeded random workloads of two tenants
// whose every decision an independent brute-force checker (scheduler-fixtures.ts) re-derives, for the indexed
// and naive schedulers.
import assert from 'node:assert/strict';
import { Scheduler } from '../../../controllers/compute/scheduler/index.ts';
import { NaiveScheduler } from '../../../controllers/compute/scheduler/naive.ts';
import { host, hostOf, randomWorkload, reasonOf, req, runChecked, type Host } from './scheduler-fixtures.ts';

for (const [name, make] of [
  ['Scheduler', (hosts: Host[]) => new Scheduler(hosts)],
  ['NaiveScheduler', (hosts: Host[]) => new NaiveScheduler(hosts)],
] as const) {
  describe(`${name} constraints`, () => {
    const twoZones = () =>
      make([host('a1', 'a', 8, 16384), host('a2', 'a', 8, 16384), host('b1', 'b', 8, 16384)]);

    it('keeps to the region and the pinned zone', () => {
      const s = twoZones();
      assert.equal(reasonOf(s.place(req('x', { region: 'us-east-1' }))), 'NoHostInZone');
      assert.equal(reasonOf(s.place(req('y', { zone: 'c' }))), 'NoHostInZone');
      assert.equal(hostOf(s.place(req('z', { zone: 'b' }))), 'b1');
    });
    it('refuses when any one dimension lacks room, and says how much there is', () => {
      const s = make([host('h', 'a', 4, 8192, 1)]);
      const cpu = s.place(req('cpu', { vcpu: 8, memoryMiB: 1024 }));
      assert.equal(reasonOf(cpu), 'NoCapacity');
      assert.match(cpu.ok ? '' : cpu.message, /no host in region eu-west-1 has 8 vCPU and 1024 MiB free/);
      assert.equal(reasonOf(s.place(req('mem', { vcpu: 1, memoryMiB: 16384 }))), 'NoCapacity');
      assert.equal(reasonOf(s.place(req('gpu', { vcpu: 1, memoryMiB: 1024, gpu: 2 }))), 'NoCapacity');
      assert.equal(hostOf(s.place(req('fits', { vcpu: 4, memoryMiB: 8192, gpu: 1 }))), 'h');
      assert.equal(reasonOf(s.place(req('full', { vcpu: 1, memoryMiB: 1 }))), 'NoCapacity');
    });
    it('frees the capacity on release', () => {
      const s = make([host('h', 'a', 4, 8192)]);
      assert.ok(s.place(req('one', { vcpu: 4 })).ok);
      assert.equal(reasonOf(s.place(req('two', { vcpu: 4 }))), 'NoCapacity');
      assert.equal(s.release('one'), true);
      assert.equal(s.release('one'), false);
      assert.equal(hostOf(s.place(req('two', { vcpu: 4 }))), 'h');
    });
    it('bin-packs onto the fullest host that fits, ties by id, and repeats itself for one instance', () => {
      const s = make([
        host('big', 'a', 32, 65536),
        host('small-b', 'a', 8, 16384),
        host('small-a', 'a', 8, 16384),
      ]);
      assert.equal(hostOf(s.place(req('1', { vcpu: 2 }))), 'small-a');
      assert.equal(hostOf(s.place(req('2', { vcpu: 2 }))), 'small-a');
      assert.equal(hostOf(s.place(req('3', { vcpu: 8 }))), 'small-b');
      assert.equal(hostOf(s.place(req('1', { vcpu: 2 }))), 'small-a');
    });
    it('never shares a host with an anti-affine instance', () => {
      const s = twoZones();
      const web = (id: string) => req(id, { labels: { app: 'web' }, antiAffinity: [{ app: 'web' }] });
      assert.deepEqual(
        ['w1', 'w2', 'w3'].map((id) => hostOf(s.place(web(id)))),
        ['a1', 'a2', 'b1'],
      );
      const last = s.place(web('w4'));
      assert.equal(reasonOf(last), 'AntiAffinityUnsatisfiable');
      assert.match(last.ok ? '' : last.message, /app=web/);
    });
    it('follows affinity to the zone of a match, and lets the first self-affine one go anywhere', () => {
      const s = twoZones();
      assert.equal(hostOf(s.place(req('db', { zone: 'b', labels: { app: 'db' } }))), 'b1');
      const api = s.place(req('api', { affinity: [{ app: 'db' }] }));
      assert.equal(api.ok && api.zone, 'b');
      assert.equal(reasonOf(s.place(req('nope', { affinity: [{ app: 'cache' }] }))), 'AffinityUnsatisfiable');
      assert.equal(
        reasonOf(s.place(req('far', { zone: 'a', affinity: [{ app: 'db' }] }))),
        'AffinityUnsatisfiable',
      );
      assert.ok(s.place(req('self', { labels: { app: 'q' }, affinity: [{ app: 'q' }] })).ok);
    });
    it('puts each spread member on its own host and fails when hosts run out', () => {
      const s = twoZones();
      const member = (id: string) => req(id, { placementGroup: { name: 'g', strategy: 'spread' } });
      const hosts = ['1', '2', '3'].map((id) => hostOf(s.place(member(id))));
      assert.equal(new Set(hosts).size, 3);
      assert.equal(reasonOf(s.place(member('4'))), 'PlacementGroupUnsatisfiable');
    });
    it('keeps cluster members in the first member zone, on its host while it has room', () => {
      const s = twoZones();
      const member = (id: string, vcpu: number) =>
        req(id, { vcpu, placementGroup: { name: 'c', strategy: 'cluster' } });
      assert.equal(hostOf(s.place(req('filler', { zone: 'a', vcpu: 7 }))), 'a1');
      assert.equal(hostOf(s.place(member('1', 4))), 'a2');
      assert.equal(hostOf(s.place(member('2', 4))), 'a2');
      assert.equal(reasonOf(s.place(member('3', 4))), 'PlacementGroupUnsatisfiable');
    });
  });
}

describe('Scheduler bookkeeping', () => {
  it('refuses to restore an over-commit and reports unknown hosts', () => {
    const s = new Scheduler([host('h', 'a', 4, 8192)]);
    assert.ok(s.reserveOn('h', req('one', { vcpu: 3 })).ok);
    assert.equal(reasonOf(s.reserveOn('h', req('two', { vcpu: 2 }))), 'NoCapacity');
    assert.equal(reasonOf(s.reserveOn('gone', req('three'))), 'NoHostInZone');
  });
  it('never double-books under concurrent async callers', async () => {
    const s = new Scheduler([host('h1', 'a', 16, 65536), host('h2', 'b', 16, 65536)]);
    const tries = Array.from({ length: 50 }, async (_, i) => {
      await new Promise((resolve) => setImmediate(resolve));
      return s.place(req(`i${i}`, { vcpu: 2 }));
    });
    const placed = (await Promise.all(tries)).filter((r) => r.ok);
    assert.equal(placed.length, 16);
  });
});

describe('random workloads against an independent checker', () => {
  for (let seed = 1; seed <= 20; seed++) {
    it(`seed ${seed}: both schedulers place only validly, refuse only if nothing is valid, and agree`, () => {
      const { hosts, ops } = randomWorkload(seed, 500);
      const indexed = runChecked(new Scheduler(hosts), hosts, ops);
      const naive = runChecked(new NaiveScheduler(hosts), hosts, ops);
      assert.deepEqual(indexed, naive);
      assert.ok(indexed.some((d) => !d.startsWith('failed')) && indexed.some((d) => d.startsWith('failed')));
    });
  }
});
