// Placement of Compute instances on hosts: filter (region, zone, free capacity, anti-affinity both ways,
// affinity, placement group; the last three within the request's tenant), then bin-pack onto the tightest
// host that fits. Pure and in-process; the database's
// capacity check stays the arbiter between operator replicas, this decides and books for one process.
// `place` decides and reserves in one synchronous call, so async callers in this process can never both
// be handed the same free capacity: nothing else runs between the decision and the booking.
import { ClusterIndex, type HostState } from './indexes.ts';
import {
  describeRepellers,
  describeRequest,
  describeSelector,
  fits,
  groupKey,
  requestedGpu,
  selfSatisfies,
  tighterFit,
  zoneKey,
} from './types.ts';
import type { Host, LabelSelector, PlacementRequest, PlacementResult, PlacementScheduler } from './types.ts';

export type { Host, LabelSelector, PlacementRequest, PlacementResult, PlacementScheduler } from './types.ts';

/** What a host must satisfy besides region and room, worked out once per decision from the index. */
interface Filters {
  /** Hosts running an instance of the tenant that the request's anti-affinity matches. */
  excluded: Set<string>;
  /** Hosts running an instance of the tenant whose anti-affinity matches the request's labels. */
  refusing: Set<string>;
  /** Zone keys the instance may go to (pinned zone, affinity, cluster group); undefined means any. */
  zones?: Set<string>;
  /** Hosts already holding a member of the request's spread group. */
  spreadHosts?: ReadonlyMap<string, number>;
  /** Hosts already holding a member of the request's cluster group, tried first. */
  clusterHosts?: ReadonlyMap<string, number>;
}

interface AffinityZones {
  selector: LabelSelector;
  /** Zone keys running a matching instance; 'any' when none matches and the request satisfies it itself. */
  zones: Set<string> | 'any';
}

export class Scheduler implements PlacementScheduler {
  readonly index = new ClusterIndex();

  constructor(hosts: Iterable<Host> = []) {
    for (const host of hosts) this.index.addHost(host);
  }

  place(req: PlacementRequest): PlacementResult {
    // A retried reconcile asks again for an instance it already placed: same answer, never a second host.
    const existing = this.index.placement(req.instanceId);
    if (existing) return this.placedOn(existing.hostId);
    const hostId = this.bestHost(req, this.filtersFor(req));
    if (hostId === undefined) return this.explainFailure(req);
    this.index.addInstance(hostId, req);
    return this.placedOn(hostId);
  }

  release(instanceId: string): boolean {
    return this.index.removeInstance(instanceId) !== undefined;
  }

  /**
   * Books an instance on the host a database row says it runs on, when rebuilding state after a restart. The
   * placement was checked when it was made, so only room is checked again; an over-commit is refused.
   */
  reserveOn(hostId: string, req: PlacementRequest): PlacementResult {
    const existing = this.index.placement(req.instanceId);
    if (existing && existing.hostId !== hostId) {
      throw new Error(`instance ${req.instanceId} is already placed on ${existing.hostId}, not ${hostId}`);
    }
    if (existing) return this.placedOn(hostId);
    const state = this.index.host(hostId);
    if (!state) return { ok: false, reason: 'NoHostInZone', message: `host ${hostId} is unknown` };
    if (!fits(state.free, req)) {
      const message = `host ${hostId} has ${freeText(state)} free, not ${describeRequest(req)}`;
      return { ok: false, reason: 'NoCapacity', message };
    }
    this.index.addInstance(hostId, req);
    return this.placedOn(hostId);
  }

  private placedOn(hostId: string): PlacementResult {
    return { ok: true, hostId, zone: this.index.host(hostId)!.host.zone };
  }

  private filtersFor(req: PlacementRequest): Filters {
    const excluded = new Set<string>();
    for (const selector of req.antiAffinity ?? []) {
      for (const hostId of this.index.hostsMatching(req.tenant, selector)) excluded.add(hostId);
    }
    const refusing = this.index.hostsRefusing(req.tenant, req.labels);
    let zones = req.zone === undefined ? undefined : new Set([zoneKey(req.region, req.zone)]);
    for (const affinity of this.affinityZones(req)) {
      if (affinity.zones !== 'any') zones = intersect(zones, affinity.zones);
    }
    const group = req.placementGroup;
    if (group?.strategy === 'spread')
      return { excluded, refusing, zones, spreadHosts: this.index.groupMembers(groupKey(req.tenant, group)) };
    if (group?.strategy === 'cluster') {
      const key = groupKey(req.tenant, group);
      const groupZone = this.index.groupZone(key);
      if (groupZone !== undefined) zones = intersect(zones, new Set([groupZone]));
      return { excluded, refusing, zones, clusterHosts: this.index.groupMembers(key) };
    }
    return { excluded, refusing, zones };
  }

  private affinityZones(req: PlacementRequest): AffinityZones[] {
    return (req.affinity ?? []).map((selector) => {
      const hosts = this.index.hostsMatching(req.tenant, selector);
      if (hosts.size === 0 && selfSatisfies(req, selector)) return { selector, zones: 'any' };
      return { selector, zones: new Set([...hosts].map((id) => this.index.host(id)!.zoneKey)) };
    });
  }

  private passes(state: HostState, req: PlacementRequest, f: Filters): boolean {
    return (
      state.host.region === req.region &&
      fits(state.free, req) &&
      !f.excluded.has(state.host.id) &&
      !f.refusing.has(state.host.id) &&
      (f.zones === undefined || f.zones.has(state.zoneKey)) &&
      !f.spreadHosts?.has(state.host.id)
    );
  }

  private bestHost(req: PlacementRequest, f: Filters): string | undefined {
    if (f.zones?.size === 0) return undefined;
    let best: HostState | undefined;
    for (const hostId of f.clusterHosts?.keys() ?? []) best = this.tighter(best, hostId, req, f);
    if (best) return best.host.id;
    // One allowed zone: walk only its hosts; otherwise the region's, checking the zone per host.
    const place = f.zones?.size === 1 ? [...f.zones][0]! : req.region;
    const buckets = this.index.freeCapacity(place, requestedGpu(req) > 0);
    // Hosts come tightest first, so the first that passes every filter is the bin-packing choice.
    for (const hostId of buckets?.fitting(req.vcpu, req.memoryMiB) ?? []) {
      if (this.passes(this.index.host(hostId)!, req, f)) return hostId;
    }
    return undefined;
  }

  private tighter(
    best: HostState | undefined,
    hostId: string,
    req: PlacementRequest,
    f: Filters,
  ): HostState | undefined {
    const state = this.index.host(hostId)!;
    if (!this.passes(state, req, f)) return best;
    return best === undefined || tighterFit(state, best) ? state : best;
  }

  /**
   * Only on failure: apply the filters one at a time over every host in scope and name the first that leaves
   * none, so the message tells the user which constraint to relax.
   */
  private explainFailure(req: PlacementRequest): PlacementResult {
    const where =
      req.zone === undefined ? `region ${req.region}` : `zone ${req.zone} of region ${req.region}`;
    const scope =
      req.zone === undefined
        ? this.index.hostsInRegion(req.region)
        : this.index.hostsInZone(zoneKey(req.region, req.zone));
    let hosts = [...scope].map((id) => this.index.host(id)!);
    if (hosts.length === 0) return { ok: false, reason: 'NoHostInZone', message: `no host in ${where}` };

    const roomy = hosts.filter((h) => fits(h.free, req));
    if (roomy.length === 0) {
      const most = hosts.reduce((a, b) =>
        b.free.vcpu > a.free.vcpu || (b.free.vcpu === a.free.vcpu && b.free.memoryMiB > a.free.memoryMiB)
          ? b
          : a,
      );
      const best = `best has ${freeText(most)}, on ${most.host.id}`;
      const message = `no host in ${where} has ${describeRequest(req)} free (${best})`;
      return { ok: false, reason: 'NoCapacity', message };
    }
    hosts = roomy;

    const f = this.filtersFor(req);
    const anti = hosts.filter((h) => !f.excluded.has(h.host.id) && !f.refusing.has(h.host.id));
    if (anti.length === 0) {
      const seen = {
        matching: hosts.some((h) => f.excluded.has(h.host.id)),
        refusing: hosts.some((h) => f.refusing.has(h.host.id)),
      };
      const roomy = `${hosts.length} hosts in ${where} with ${describeRequest(req)} free`;
      const message = `all ${roomy} run ${describeRepellers(req, seen)}`;
      return { ok: false, reason: 'AntiAffinityUnsatisfiable', message };
    }
    hosts = anti;

    for (const { selector, zones } of this.affinityZones(req)) {
      if (zones === 'any') continue;
      const near = hosts.filter((h) => zones.has(h.zoneKey));
      if (near.length === 0) {
        const there =
          zones.size === 0
            ? 'no instance matches it'
            : `matching instances run only in ${[...zones].join(', ')}`;
        const message =
          `affinity to ${describeSelector(selector)} cannot be met in ${where}: ${there}, ` +
          `and none of the ${hosts.length} hosts with room is there`;
        return { ok: false, reason: 'AffinityUnsatisfiable', message };
      }
      hosts = near;
    }

    const group = req.placementGroup;
    if (group) {
      const message =
        group.strategy === 'spread'
          ? `spread group ${group.name} already has a member on each of the ${hosts.length} eligible hosts ` +
            `in ${where}`
          : `cluster group ${group.name} lives in ${this.index.groupZone(groupKey(req.tenant, group))}; ` +
            `none of the ` +
            `${hosts.length} eligible hosts in ${where} is there`;
      return { ok: false, reason: 'PlacementGroupUnsatisfiable', message };
    }
    // The filters above are the same predicates the search applies, so one of them must have emptied the set.
    return {
      ok: false,
      reason: 'NoCapacity',
      message: `no host in ${where} satisfies every constraint together`,
    };
  }
}

function intersect(a: Set<string> | undefined, b: Set<string>): Set<string> {
  return a === undefined ? b : new Set([...a].filter((x) => b.has(x)));
}

function freeText(state: HostState): string {
  return `${state.free.vcpu} vCPU, ${state.free.memoryMiB} MiB, ${state.free.gpu} GPU`;
}
