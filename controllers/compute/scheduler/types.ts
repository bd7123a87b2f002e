// The scheduler's vocabulary: hosts, placement requests and results, and the few rules every scheduler
// implementation must agree on (what a selector matches, how zones are keyed, which host is the better fit),
// kept here so the indexed scheduler and the naive baseline cannot drift apart.

export interface Capacity {
  vcpu: number;
  memoryMiB: number;
  gpu: number;
}

export interface Host {
  id: string;
  region: string;
  zone: string;
  capacity: Capacity;
  labels?: Record<string, string>;
}

/** Matches an instance when every key=value of the selector is among its labels; `{}` matches all. */
export type LabelSelector = Record<string, string>;

/**
 * A group is its tenant's, and is named within its strategy: a spread group `db` and a cluster group `db` of
 * one tenant are two groups, so reusing a name with the other strategy never inherits the old members' hosts
 * or zone.
 */
export interface PlacementGroup {
  name: string;
  /** spread: each member on its own host. cluster: all in the first member's zone, same host preferred. */
  strategy: 'spread' | 'cluster';
}

export interface PlacementRequest {
  instanceId: string;
  /**
   * Whose instance this is (the tenant of its namespace). Groups, affinity and anti-affinity only ever see
   * instances of the same tenant: another tenant's labels and groups must neither steer nor block a
   * placement, nor show through a refusal's message. Capacity is shared by all.
   */
  tenant: string;
  region: string;
  zone?: string;
  vcpu: number;
  memoryMiB: number;
  gpu?: number;
  labels: Record<string, string>;
  /** For each selector, the instance goes to a zone that already runs an instance matching it. */
  affinity?: LabelSelector[];
  /**
   * The instance never shares a host with an instance matching any selector. Binding both ways, as in
   * Kubernetes: an instance placed later that matches one of these selectors stays off this one's host too.
   */
  antiAffinity?: LabelSelector[];
  placementGroup?: PlacementGroup;
}

export type PlacementFailure =
  | 'NoCapacity'
  | 'NoHostInZone'
  | 'AffinityUnsatisfiable'
  | 'AntiAffinityUnsatisfiable'
  | 'PlacementGroupUnsatisfiable';

export type PlacementResult =
  { ok: true; hostId: string; zone: string } | { ok: false; reason: PlacementFailure; message: string };

/** The place/release contract shared by the indexed scheduler and the naive baseline. */
export interface PlacementScheduler {
  place(req: PlacementRequest): PlacementResult;
  release(instanceId: string): boolean;
}

export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const key in selector) if (labels[key] !== selector[key]) return false;
  return true;
}

/** The key of a request's placement group: tenant, strategy and name (see PlacementGroup). */
export function groupKey(tenant: string, group: PlacementGroup): string {
  return `${tenant}\u0000${group.strategy}\u0000${group.name}`;
}

/**
 * True when an instance placed with `placed` and an arrival `arriving` of the same tenant may not share a
 * host: either one's anti-affinity matches the other's labels.
 */
export function repels(placed: PlacementRequest, arriving: PlacementRequest): boolean {
  if (placed.tenant !== arriving.tenant) return false;
  return (
    (arriving.antiAffinity ?? []).some((s) => selectorMatches(s, placed.labels)) ||
    (placed.antiAffinity ?? []).some((s) => selectorMatches(s, arriving.labels))
  );
}

/** Zone names are only unique inside a region, so every zone-level structure is keyed by both. */
export function zoneKey(region: string, zone: string): string {
  return `${region}/${zone}`;
}

export function requestedGpu(req: PlacementRequest): number {
  return req.gpu ?? 0;
}

export function fits(free: Capacity, req: PlacementRequest): boolean {
  return free.vcpu >= req.vcpu && free.memoryMiB >= req.memoryMiB && free.gpu >= requestedGpu(req);
}

/**
 * Bin-packing order between two hosts that both fit: the one with less free capacity wins so that fewer hosts
 * end up in use, and the host id breaks ties so every run (and every implementation) decides the same way.
 */
export function tighterFit(a: { id: string; free: Capacity }, b: { id: string; free: Capacity }): boolean {
  if (a.free.vcpu !== b.free.vcpu) return a.free.vcpu < b.free.vcpu;
  if (a.free.memoryMiB !== b.free.memoryMiB) return a.free.memoryMiB < b.free.memoryMiB;
  if (a.free.gpu !== b.free.gpu) return a.free.gpu < b.free.gpu;
  return a.id < b.id;
}

/**
 * An affinity selector nothing matches yet is still satisfiable by an instance matching it itself, as in
 * Kubernetes; otherwise the first member of a self-affine set could never be placed.
 */
export function selfSatisfies(req: PlacementRequest, selector: LabelSelector): boolean {
  return selectorMatches(selector, req.labels);
}

export function describeRequest(req: PlacementRequest): string {
  const gpu = requestedGpu(req);
  return `${req.vcpu} vCPU and ${req.memoryMiB} MiB${gpu > 0 ? ` and ${gpu} GPU` : ''}`;
}

export function describeSelector(selector: LabelSelector): string {
  const pairs = Object.entries(selector).map(([k, v]) => `${k}=${v}`);
  return pairs.length > 0 ? pairs.join(',') : '<any>';
}

/**
 * What the hosts refused for anti-affinity run, in words: instances matching the request's selectors
 * (`matching`), and instances whose own anti-affinity matches the request's labels (`refusing`). Only ever
 * the tenant's own instances, so nothing here tells of another tenant.
 */
export function describeRepellers(
  req: PlacementRequest,
  seen: { matching: boolean; refusing: boolean },
): string {
  const parts: string[] = [];
  if (seen.matching) {
    parts.push(`an instance matching ${(req.antiAffinity ?? []).map(describeSelector).join(' or ')}`);
  }
  if (seen.refusing) {
    parts.push(`an instance whose anti-affinity matches this one's labels (${describeSelector(req.labels)})`);
  }
  return parts.join(', or ');
}
