// The scheduler's view of the cluster, kept up to date one change at a time so that no decision ever has to
// rebuild it: hosts by region and zone, each host's free capacity in bin-packing order, who is placed where,
// and, per tenant, which hosts run instances with a given label, which hosts run instances whose anti-affinity
// refuses some labels, and where each placement group's members are.
import { AntiAffinityTerms } from './anti-affinity.ts';
import { FreeCapacityBuckets } from './free-capacity.ts';
import { bump, labelKey } from './host-counts.ts';
import { fits, groupKey, requestedGpu, selectorMatches, zoneKey } from './types.ts';
import type { Capacity, Host, LabelSelector, PlacementRequest } from './types.ts';

export interface HostState {
  readonly id: string;
  readonly host: Host;
  readonly zoneKey: string;
  /** Capacity minus what placed instances reserve; negative only if the host was shrunk under its load. */
  readonly free: Capacity;
  readonly instances: ReadonlySet<string>;
}

export interface PlacedInstance {
  readonly req: PlacementRequest;
  readonly hostId: string;
}

interface MutableHostState extends HostState {
  host: Host;
  free: Capacity;
  readonly instances: Set<string>;
}

export class ClusterIndex {
  private readonly hosts = new Map<string, MutableHostState>();
  private readonly byRegion = new Map<string, Set<string>>();
  private readonly byZone = new Map<string, Set<string>>();
  /** Free capacity per region and per zone, and again over GPU hosts only so GPU requests skip the rest. */
  private readonly scopes = new Map<string, FreeCapacityBuckets>();
  private readonly placed = new Map<string, PlacedInstance>();
  /** Per tenant, label and value: hosts running such instances, with how many. */
  private readonly labelHosts = new Map<string, Map<string, number>>();
  /** Per tenant: hosts running any of its instances, with how many (what an empty selector matches). */
  private readonly tenantHosts = new Map<string, Map<string, number>>();
  private readonly antiAffinity = new AntiAffinityTerms();
  /** By groupKey (tenant, strategy, name). */
  private readonly groupHosts = new Map<string, Map<string, number>>();
  private readonly groupZones = new Map<string, string>();

  addHost(host: Host): void {
    if (this.hosts.has(host.id)) throw new Error(`host ${host.id} is already known`);
    const state: MutableHostState = {
      id: host.id,
      host,
      zoneKey: zoneKey(host.region, host.zone),
      free: { ...host.capacity },
      instances: new Set(),
    };
    this.hosts.set(host.id, state);
    addTo(this.byRegion, host.region, host.id);
    addTo(this.byZone, state.zoneKey, host.id);
    this.enterScopes(state);
  }

  /** A host still running instances cannot go: they would vanish from the books while still using it. */
  removeHost(hostId: string): void {
    const state = this.hosts.get(hostId);
    if (!state) return;
    if (state.instances.size > 0)
      throw new Error(`host ${hostId} still runs ${state.instances.size} instances`);
    this.leaveScopes(state);
    removeFrom(this.byRegion, state.host.region, hostId);
    removeFrom(this.byZone, state.zoneKey, hostId);
    this.hosts.delete(hostId);
  }

  setHostCapacity(hostId: string, capacity: Capacity): void {
    const state = this.mustHost(hostId);
    const old = state.host.capacity;
    this.leaveScopes(state);
    state.free = {
      vcpu: state.free.vcpu + capacity.vcpu - old.vcpu,
      memoryMiB: state.free.memoryMiB + capacity.memoryMiB - old.memoryMiB,
      gpu: state.free.gpu + capacity.gpu - old.gpu,
    };
    state.host = { ...state.host, capacity: { ...capacity } };
    this.enterScopes(state);
  }

  /** Records a placement; refuses one the host has no room for, so the books never show an over-commit. */
  addInstance(hostId: string, req: PlacementRequest): void {
    const state = this.mustHost(hostId);
    if (this.placed.has(req.instanceId)) throw new Error(`instance ${req.instanceId} is already placed`);
    if (!fits(state.free, req)) throw new Error(`host ${hostId} has no room for instance ${req.instanceId}`);
    this.changeFree(state, -1, req);
    state.instances.add(req.instanceId);
    this.placed.set(req.instanceId, { req, hostId });
    this.indexScopedFacts(req, hostId, 1);
    const group = req.placementGroup && groupKey(req.tenant, req.placementGroup);
    if (group !== undefined) {
      if (!this.groupHosts.has(group)) this.groupZones.set(group, state.zoneKey);
      bump(this.groupHosts, group, hostId, 1);
    }
  }

  removeInstance(instanceId: string): PlacedInstance | undefined {
    const entry = this.placed.get(instanceId);
    if (!entry) return undefined;
    const { req, hostId } = entry;
    const state = this.mustHost(hostId);
    this.changeFree(state, 1, req);
    state.instances.delete(instanceId);
    this.placed.delete(instanceId);
    this.indexScopedFacts(req, hostId, -1);
    const group = req.placementGroup && groupKey(req.tenant, req.placementGroup);
    if (group !== undefined) {
      bump(this.groupHosts, group, hostId, -1);
      if (!this.groupHosts.has(group)) this.groupZones.delete(group);
    }
    return entry;
  }

  host(hostId: string): HostState | undefined {
    return this.hosts.get(hostId);
  }

  placement(instanceId: string): PlacedInstance | undefined {
    return this.placed.get(instanceId);
  }

  hostsInRegion(region: string): ReadonlySet<string> {
    return this.byRegion.get(region) ?? new Set();
  }

  hostsInZone(zoneKey: string): ReadonlySet<string> {
    return this.byZone.get(zoneKey) ?? new Set();
  }

  /** Free-capacity buckets of a region or of a zone (by its zone key), optionally of its GPU hosts only. */
  freeCapacity(regionOrZoneKey: string, gpuOnly: boolean): FreeCapacityBuckets | undefined {
    return this.scopes.get(scopeKey(gpuOnly, regionOrZoneKey));
  }

  /** Hosts running an instance of the tenant that the selector matches, found through its rarest label. */
  hostsMatching(tenant: string, selector: LabelSelector): Set<string> {
    const keys = Object.keys(selector);
    if (keys.length === 0) return new Set(this.tenantHosts.get(tenant)?.keys());
    const result = new Set<string>();
    let rarest: Map<string, number> | undefined;
    for (const key of keys) {
      const perHost = this.labelHosts.get(labelKey(tenant, key, selector[key]!));
      if (!perHost) return result;
      if (!rarest || perHost.size < rarest.size) rarest = perHost;
    }
    for (const hostId of rarest!.keys()) {
      // One label key says exactly who matches; with several, the labels could belong to different instances.
      if (keys.length === 1 || this.hostRunsMatch(hostId, tenant, selector)) result.add(hostId);
    }
    return result;
  }

  /** Hosts running an instance of the tenant whose anti-affinity matches these labels: an arrival must stay off. */
  hostsRefusing(tenant: string, labels: Record<string, string>): Set<string> {
    return this.antiAffinity.hostsRefusing(tenant, labels);
  }

  /** Hosts holding members of the group, with how many each holds. */
  groupMembers(group: string): ReadonlyMap<string, number> | undefined {
    return this.groupHosts.get(group);
  }

  /** The zone key of the group's first member, for as long as the group has any. */
  groupZone(group: string): string | undefined {
    return this.groupZones.get(group);
  }

  get hostCount(): number {
    return this.hosts.size;
  }

  get instanceCount(): number {
    return this.placed.size;
  }

  /** Rough size of the index's own structures (not the hosts and requests it points to), for the bench. */
  memoryBytesEstimate(): number {
    const mapEntry = 40;
    let entries = this.hosts.size * 6 + this.placed.size * 2;
    for (const perHost of this.labelHosts.values()) entries += 1 + perHost.size;
    for (const perHost of this.tenantHosts.values()) entries += 1 + perHost.size;
    entries += this.antiAffinity.entryCount;
    for (const perHost of this.groupHosts.values()) entries += 2 + perHost.size;
    for (const scope of this.scopes.values()) entries += scope.size;
    return entries * mapEntry + this.hosts.size * 200 + this.placed.size * 60;
  }

  private hostRunsMatch(hostId: string, tenant: string, selector: LabelSelector): boolean {
    for (const id of this.mustHost(hostId).instances) {
      const { req } = this.placed.get(id)!;
      if (req.tenant === tenant && selectorMatches(selector, req.labels)) return true;
    }
    return false;
  }

  /** Counts (or uncounts) what the tenant-scoped rules look up: labels, presence and anti-affinity terms. */
  private indexScopedFacts(req: PlacementRequest, hostId: string, by: 1 | -1): void {
    const { tenant } = req;
    for (const key in req.labels) bump(this.labelHosts, labelKey(tenant, key, req.labels[key]!), hostId, by);
    bump(this.tenantHosts, tenant, hostId, by);
    this.antiAffinity.record(req, hostId, by);
  }

  private changeFree(state: MutableHostState, sign: 1 | -1, req: PlacementRequest): void {
    this.leaveScopes(state);
    state.free = {
      vcpu: state.free.vcpu + sign * req.vcpu,
      memoryMiB: state.free.memoryMiB + sign * req.memoryMiB,
      gpu: state.free.gpu + sign * requestedGpu(req),
    };
    this.enterScopes(state);
  }

  private scopeKeysOf(state: HostState): string[] {
    const keys = [scopeKey(false, state.host.region), scopeKey(false, state.zoneKey)];
    if (state.host.capacity.gpu > 0)
      keys.push(scopeKey(true, state.host.region), scopeKey(true, state.zoneKey));
    return keys;
  }

  private enterScopes(state: HostState): void {
    for (const key of this.scopeKeysOf(state)) {
      let scope = this.scopes.get(key);
      if (!scope) this.scopes.set(key, (scope = new FreeCapacityBuckets()));
      scope.add(state.id, state.free);
    }
  }

  private leaveScopes(state: HostState): void {
    for (const key of this.scopeKeysOf(state)) this.scopes.get(key)?.remove(state.id, state.free);
  }

  private mustHost(hostId: string): MutableHostState {
    const state = this.hosts.get(hostId);
    if (!state) throw new Error(`host ${hostId} is unknown`);
    return state;
  }
}

const scopeKey = (gpuOnly: boolean, place: string): string => `${gpuOnly ? 'gpu' : 'all'}:${place}`;

function addTo(sets: Map<string, Set<string>>, key: string, id: string): void {
  let set = sets.get(key);
  if (!set) sets.set(key, (set = new Set()));
  set.add(id);
}

function removeFrom(
  sets: Map<string, { delete(id: string): boolean; size: number }>,
  key: string,
  id: string,
): void {
  const set = sets.get(key);
  set?.delete(id);
  if (set?.size === 0) sets.delete(key);
}
