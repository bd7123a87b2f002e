// The baseline the indexed scheduler is measured against: same rules and the same answers, but every decision
// scans all hosts and recomputes free capacity, what runs on each host and placement groups from the list of
// placed instances. Simple enough to trust, too slow to run a large cluster with.
import {
  describeRepellers,
  describeRequest,
  describeSelector,
  fits,
  groupKey,
  repels,
  requestedGpu,
  selectorMatches,
  selfSatisfies,
  tighterFit,
  zoneKey,
} from './types.ts';
import type { Capacity, Host, PlacementRequest, PlacementResult, PlacementScheduler } from './types.ts';

interface Placed {
  req: PlacementRequest;
  hostId: string;
}

interface Candidate {
  id: string;
  host: Host;
  zoneKey: string;
  free: Capacity;
  /** What runs on the host, of every tenant; each rule below looks only at the request's tenant. */
  residents: PlacementRequest[];
}

export class NaiveScheduler implements PlacementScheduler {
  private readonly hosts: Host[];
  /** In placement order, so a cluster group's first surviving member is the first one met. */
  private readonly placed = new Map<string, Placed>();

  /** `restored` are placements read back from storage; they must fit, as with the indexed scheduler. */
  constructor(hosts: Iterable<Host>, restored: Iterable<Placed> = []) {
    this.hosts = [...hosts];
    for (const p of restored) this.placed.set(p.req.instanceId, p);
    for (const c of this.candidates()) {
      if (c.free.vcpu < 0 || c.free.memoryMiB < 0 || c.free.gpu < 0)
        throw new Error(`host ${c.id} is over-committed`);
    }
  }

  place(req: PlacementRequest): PlacementResult {
    const existing = this.placed.get(req.instanceId);
    if (existing) return { ok: true, hostId: existing.hostId, zone: this.hostById(existing.hostId).zone };
    const all = this.candidates();
    const where =
      req.zone === undefined ? `region ${req.region}` : `zone ${req.zone} of region ${req.region}`;

    let hosts = all.filter(
      (c) => c.host.region === req.region && (req.zone === undefined || c.host.zone === req.zone),
    );
    if (hosts.length === 0) return { ok: false, reason: 'NoHostInZone', message: `no host in ${where}` };

    hosts = hosts.filter((c) => fits(c.free, req));
    if (hosts.length === 0) {
      return {
        ok: false,
        reason: 'NoCapacity',
        message: `no host in ${where} has ${describeRequest(req)} free`,
      };
    }

    const repelled = hosts.filter((c) => c.residents.some((p) => repels(p, req)));
    hosts = hosts.filter((c) => !repelled.includes(c));
    if (hosts.length === 0) {
      const ours = repelled.flatMap((c) => c.residents).filter((p) => p.tenant === req.tenant);
      const seen = {
        matching: ours.some((p) => (req.antiAffinity ?? []).some((s) => selectorMatches(s, p.labels))),
        refusing: ours.some((p) => (p.antiAffinity ?? []).some((s) => selectorMatches(s, req.labels))),
      };
      const message = `every host in ${where} with room runs ${describeRepellers(req, seen)}`;
      return { ok: false, reason: 'AntiAffinityUnsatisfiable', message };
    }

    for (const selector of req.affinity ?? []) {
      const matches = (p: PlacementRequest) => p.tenant === req.tenant && selectorMatches(selector, p.labels);
      const zones = new Set(all.filter((c) => c.residents.some(matches)).map((c) => c.zoneKey));
      if (zones.size === 0 && selfSatisfies(req, selector)) continue;
      hosts = hosts.filter((c) => zones.has(c.zoneKey));
      if (hosts.length === 0) {
        const message = `no host with room in ${where} shares a zone with ${describeSelector(selector)}`;
        return { ok: false, reason: 'AffinityUnsatisfiable', message };
      }
    }

    let preferred: Candidate[] = [];
    const group = req.placementGroup;
    if (group) {
      const key = groupKey(req.tenant, group);
      const members = [...this.placed.values()].filter(
        (p) => p.req.placementGroup !== undefined && groupKey(p.req.tenant, p.req.placementGroup) === key,
      );
      const memberHosts = new Set(members.map((p) => p.hostId));
      if (group.strategy === 'spread') {
        hosts = hosts.filter((c) => !memberHosts.has(c.id));
      } else if (members.length > 0) {
        const first = this.hostById(members[0]!.hostId);
        hosts = hosts.filter((c) => c.zoneKey === zoneKey(first.region, first.zone));
        preferred = hosts.filter((c) => memberHosts.has(c.id));
      }
      if (hosts.length === 0) {
        const message = `no eligible host in ${where} keeps ${group.strategy} group ${group.name} as asked`;
        return { ok: false, reason: 'PlacementGroupUnsatisfiable', message };
      }
    }

    const pool = preferred.length > 0 ? preferred : hosts;
    const best = pool.reduce((a, b) => (tighterFit(b, a) ? b : a));
    this.placed.set(req.instanceId, { req, hostId: best.id });
    return { ok: true, hostId: best.id, zone: best.host.zone };
  }

  release(instanceId: string): boolean {
    return this.placed.delete(instanceId);
  }

  /** Every host with its free capacity and what runs on it, rebuilt from scratch. */
  private candidates(): Candidate[] {
    const byId = new Map<string, Candidate>();
    for (const host of this.hosts) {
      const c = {
        id: host.id,
        host,
        zoneKey: zoneKey(host.region, host.zone),
        free: { ...host.capacity },
        residents: [],
      };
      byId.set(host.id, c);
    }
    for (const { req, hostId } of this.placed.values()) {
      const c = byId.get(hostId);
      if (!c) throw new Error(`instance ${req.instanceId} is on unknown host ${hostId}`);
      c.free.vcpu -= req.vcpu;
      c.free.memoryMiB -= req.memoryMiB;
      c.free.gpu -= requestedGpu(req);
      c.residents.push(req);
    }
    return [...byId.values()];
  }

  private hostById(hostId: string): Host {
    const host = this.hosts.find((h) => h.id === hostId);
    if (!host) throw new Error(`host ${hostId} is unknown`);
    return host;
  }
}
