// The Compute placement scheduler: each constraint on its own, then seeded random workloads whose every
// decision an independent brute-force checker in this file re-derives, for the indexed and naive schedulers.
import assert from 'node:assert/strict';
import { Scheduler } from '../../../controllers/compute/scheduler/index.ts';
import { NaiveScheduler } from '../../../controllers/compute/scheduler/naive.ts';
import type * as S from '../../../controllers/compute/scheduler/types.ts';

type Host = S.Host;
type PlacementRequest = S.PlacementRequest;
type PlacementResult = S.PlacementResult;
type Live = Map<string, { req: PlacementRequest; host: Host }>;

const host = (id: string, zone: string, vcpu: number, mem: number, gpu = 0, region = 'eu-west-1'): Host => {
  return { id, region, zone, capacity: { vcpu, memoryMiB: mem, gpu } };
};
const req = (instanceId: string, more: Partial<PlacementRequest> = {}): PlacementRequest => ({
  instanceId,
  region: 'eu-west-1',
  vcpu: 2,
  memoryMiB: 4096,
  labels: {},
  ...more,
});
const hostOf = (r: PlacementResult): string => (r.ok ? r.hostId : `failed ${r.reason}: ${r.message}`);
const reasonOf = (r: PlacementResult): string => (r.ok ? `placed on ${r.hostId}` : r.reason);

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

// Deterministic PRNG so a failing seed can be replayed.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Op = { place: PlacementRequest } | { release: number };

function randomWorkload(seed: number, ops: number): { hosts: Host[]; ops: Op[] } {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const hosts: Host[] = [];
  for (const region of ['r1', 'r2']) {
    for (const zone of ['a', 'b', 'c']) {
      for (let i = 0; i < 4; i++) {
        const [vcpu, mem, gpu] = [pick([4, 8, 16]), pick([8192, 32768]), pick([0, 0, 2])];
        hosts.push(host(`${region}${zone}${i}`, zone, vcpu, mem, gpu, region));
      }
    }
  }
  const list: Op[] = [];
  for (let i = 0; i < ops; i++) {
    if (rnd() < 0.35) list.push({ release: rnd() });
    else {
      const app = `a${Math.floor(rnd() * 6)}`;
      const r: PlacementRequest = {
        instanceId: `i${i}`,
        region: rnd() < 0.05 ? 'r3' : pick(['r1', 'r2']),
        vcpu: pick([1, 2, 4]),
        memoryMiB: pick([1024, 4096, 8192]),
        labels: { app },
      };
      if (rnd() < 0.2) r.zone = pick(['a', 'b', 'c']);
      if (rnd() < 0.1) r.gpu = 1;
      if (rnd() < 0.25) r.antiAffinity = [{ app: pick([app, 'a1']) }];
      if (rnd() < 0.15) r.affinity = [{ app: `a${Math.floor(rnd() * 6)}` }];
      if (rnd() < 0.3) {
        const strategy = rnd() < 0.5 ? 'spread' : 'cluster';
        r.placementGroup = { name: `g${Math.floor(rnd() * 4)}${strategy}`, strategy };
      }
      list.push({ place: r });
    }
  }
  return { hosts, ops: list };
}

/** Brute force from first principles: every host that satisfies every rule given what is placed right now. */
function validHosts(hosts: Host[], live: Live, r: PlacementRequest): Set<string> {
  const matches = (sel: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(sel).every(([k, v]) => labels[k] === v);
  const valid = new Set<string>();
  const sameZone = (a: Host, b: Host) => a.region === b.region && a.zone === b.zone;
  for (const h of hosts) {
    // Usage recomputed from what the log says is placed on this host, plus the request, per dimension.
    const on = [...live.values()].filter((p) => p.host === h);
    const used = (dim: (q: PlacementRequest) => number) => on.reduce((sum, p) => sum + dim(p.req), dim(r));
    const { vcpu, memoryMiB, gpu } = h.capacity;
    if (h.region !== r.region || (r.zone !== undefined && h.zone !== r.zone)) continue;
    if (used((q) => q.vcpu) > vcpu || used((q) => q.memoryMiB) > memoryMiB || used((q) => q.gpu ?? 0) > gpu)
      continue;
    if (on.some((p) => (r.antiAffinity ?? []).some((sel) => matches(sel, p.req.labels)))) continue;
    const affine = (r.affinity ?? []).every((sel) => {
      const all = [...live.values()].filter((p) => matches(sel, p.req.labels));
      return all.length === 0 ? matches(sel, r.labels) : all.some((p) => sameZone(p.host, h));
    });
    if (!affine) continue;
    const members = [...live.values()].filter((p) => p.req.placementGroup?.name === r.placementGroup?.name);
    const strategy = r.placementGroup?.strategy;
    if (strategy === 'spread' && members.some((p) => p.host === h)) continue;
    if (strategy === 'cluster' && !members.every((p) => sameZone(p.host, h))) continue;
    valid.add(h.id);
  }
  return valid;
}

/** Runs the workload, checking each decision against the brute force; returns the decisions. */
function runChecked(s: S.PlacementScheduler, hosts: Host[], ops: Op[]): string[] {
  const live: Live = new Map();
  const decisions: string[] = [];
  for (const op of ops) {
    if ('release' in op) {
      const ids = [...live.keys()];
      if (ids.length === 0) continue;
      const id = ids[Math.floor(op.release * ids.length)]!;
      assert.equal(s.release(id), true);
      live.delete(id);
      continue;
    }
    const valid = validHosts(hosts, live, op.place);
    const result = s.place(op.place);
    decisions.push(hostOf(result).replace(/:.*/, ''));
    const id = op.place.instanceId;
    if (!result.ok) {
      assert.deepEqual([...valid], [], `${id} refused (${result.message}) though some hosts were valid`);
      continue;
    }
    assert.ok(valid.has(result.hostId), `${id} put on ${result.hostId}; valid were ${[...valid]}`);
    const h = hosts.find((x) => x.id === result.hostId)!;
    assert.equal(result.zone, h.zone);
    live.set(op.place.instanceId, { req: op.place, host: h });
  }
  return decisions;
}

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
