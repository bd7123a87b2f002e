// Shared by the scheduler tests: host and request builders, readable outcomes, and a seeded random workload
// with an independent brute-force checker that re-derives, from first principles, which hosts every rule
// allows for each decision.
import assert from 'node:assert/strict';
import type * as S from '../../../controllers/compute/scheduler/types.ts';

export type Host = S.Host;
export type PlacementRequest = S.PlacementRequest;
export type PlacementResult = S.PlacementResult;
type Live = Map<string, { req: PlacementRequest; host: Host }>;

export const host = (
  id: string,
  zone: string,
  vcpu: number,
  mem: number,
  gpu = 0,
  region = 'eu-west-1',
): Host => {
  return { id, region, zone, capacity: { vcpu, memoryMiB: mem, gpu } };
};
export const req = (instanceId: string, more: Partial<PlacementRequest> = {}): PlacementRequest => ({
  instanceId,
  tenant: 'acme',
  region: 'eu-west-1',
  vcpu: 2,
  memoryMiB: 4096,
  labels: {},
  ...more,
});
export const hostOf = (r: PlacementResult): string => (r.ok ? r.hostId : `failed ${r.reason}: ${r.message}`);
export const reasonOf = (r: PlacementResult): string => (r.ok ? `placed on ${r.hostId}` : r.reason);
export const messageOf = (r: PlacementResult): string => (r.ok ? '' : r.message);

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

export type Op = { place: PlacementRequest } | { release: number };

/**
 * Two tenants share the hosts and reuse the same labels and group names, and a group name comes back with
 * either strategy, so every scoping rule is exercised.
 */
export function randomWorkload(seed: number, ops: number): { hosts: Host[]; ops: Op[] } {
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
        tenant: pick(['t1', 't2']),
        region: rnd() < 0.05 ? 'r3' : pick(['r1', 'r2']),
        vcpu: pick([1, 2, 4]),
        memoryMiB: pick([1024, 4096, 8192]),
        labels: { app },
      };
      if (rnd() < 0.2) r.zone = pick(['a', 'b', 'c']);
      if (rnd() < 0.1) r.gpu = 1;
      if (rnd() < 0.25) r.antiAffinity = [{ app: pick([app, 'a1', 'a2']) }];
      if (rnd() < 0.15) r.affinity = [{ app: `a${Math.floor(rnd() * 6)}` }];
      if (rnd() < 0.3) {
        const strategy = rnd() < 0.5 ? 'spread' : 'cluster';
        r.placementGroup = { name: `g${Math.floor(rnd() * 3)}`, strategy };
      }
      list.push({ place: r });
    }
  }
  return { hosts, ops: list };
}

/**
 * Brute force from first principles: every host that satisfies every rule given what is placed right now.
 * Only instances of the request's own tenant count for anti-affinity, affinity and groups; anti-affinity
 * binds both ways; a group is its tenant's, its name and its strategy.
 */
export function validHosts(hosts: Host[], live: Live, r: PlacementRequest): Set<string> {
  const matches = (sel: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(sel).every(([k, v]) => labels[k] === v);
  const ours = [...live.values()].filter((p) => p.req.tenant === r.tenant);
  const valid = new Set<string>();
  const sameZone = (a: Host, b: Host) => a.region === b.region && a.zone === b.zone;
  for (const h of hosts) {
    // Usage recomputed from what the log says is placed on this host (any tenant), plus the request.
    const on = [...live.values()].filter((p) => p.host === h);
    const used = (dim: (q: PlacementRequest) => number) => on.reduce((sum, p) => sum + dim(p.req), dim(r));
    const { vcpu, memoryMiB, gpu } = h.capacity;
    if (h.region !== r.region || (r.zone !== undefined && h.zone !== r.zone)) continue;
    if (used((q) => q.vcpu) > vcpu || used((q) => q.memoryMiB) > memoryMiB || used((q) => q.gpu ?? 0) > gpu)
      continue;
    const neighbours = ours.filter((p) => p.host === h);
    if (neighbours.some((p) => (r.antiAffinity ?? []).some((sel) => matches(sel, p.req.labels)))) continue;
    if (neighbours.some((p) => (p.req.antiAffinity ?? []).some((sel) => matches(sel, r.labels)))) continue;
    const affine = (r.affinity ?? []).every((sel) => {
      const all = ours.filter((p) => matches(sel, p.req.labels));
      return all.length === 0 ? matches(sel, r.labels) : all.some((p) => sameZone(p.host, h));
    });
    if (!affine) continue;
    const group = r.placementGroup;
    const members = ours.filter(
      (p) => p.req.placementGroup?.name === group?.name && p.req.placementGroup?.strategy === group?.strategy,
    );
    if (group?.strategy === 'spread' && members.some((p) => p.host === h)) continue;
    if (group?.strategy === 'cluster' && !members.every((p) => sameZone(p.host, h))) continue;
    valid.add(h.id);
  }
  return valid;
}

/** Runs the workload, checking each decision against the brute force; returns the decisions. */
export function runChecked(s: S.PlacementScheduler, hosts: Host[], ops: Op[]): string[] {
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
