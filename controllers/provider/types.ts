// The one provider interface for every infrastructure kind: asynchronous operations with ids that are polled,
// provider-side ids, idempotency tokens (the same token returns the same operation, never a second resource),
// throttling and eventual consistency (a read right after a create may not see it yet).

export interface Capacity {
  vcpu: number;
  memoryMiB: number;
  gpu: number;
}

export interface Zone {
  name: string;
  status: 'up' | 'down';
}

export interface Region {
  name: string;
  status: 'up' | 'down';
  zones: Zone[];
}

export interface HostInfo {
  id: string;
  region: string;
  zone: string;
  capacity: Capacity;
  status: 'up' | 'down';
}

export type InstanceState =
  'pending' | 'running' | 'stopping' | 'stopped' | 'terminating' | 'terminated' | 'failed';

/** One firewall rule, in the shape of the Network kind's rules: ports only for tcp and udp. */
export interface Rule {
  protocol: 'tcp' | 'udp' | 'icmp' | 'all';
  /** A port or an inclusive range such as 8000-8080; absent for icmp and all (and for every port). */
  ports?: string;
  cidr: string;
  description?: string;
}

export interface SecurityGroup {
  name: string;
  ingress: Rule[];
  egress: Rule[];
}

export interface InstanceSize {
  vcpu: number;
  memoryMiB: number;
}

export interface InstanceInfo {
  id: string;
  region: string;
  zone: string;
  hostId: string;
  state: InstanceState;
  privateIp?: string;
  /** The public address held by the instance from its creation until it is deleted, when one was asked for. */
  publicIp?: string;
  message?: string;
  /** The size, image and security groups the instance has now at the provider, whoever changed them. */
  vcpu: number;
  memoryMiB: number;
  image: string;
  securityGroups: SecurityGroup[];
}

export interface NetworkInfo {
  id: string;
  region: string;
  cidr: string;
  state: 'available' | 'deleted';
}

export type VolumeType = 'standard' | 'ssd';

export interface VolumeInfo {
  id: string;
  region: string;
  zone: string;
  type: VolumeType;
  /** The size the volume has now: a resize shows here when its operation succeeds. */
  sizeGiB: number;
  state: 'available' | 'deleted' | 'failed';
  message?: string;
  /** The instance the volume is attached to, when it is. */
  attachedTo?: string;
  /** The snapshot the volume was created from, when it was. */
  sourceSnapshot?: string;
}

export interface CreateVolumeRequest {
  idempotencyToken: string;
  region: string;
  zone: string;
  type: VolumeType;
  sizeGiB: number;
  /** Restore: the volume starts as a copy of this snapshot (same region, at least its size). */
  snapshotId?: string;
}

/** A point-in-time copy of a volume, kept by the provider apart from the volume. */
export interface SnapshotInfo {
  id: string;
  /** The volume it was taken of (which may since be gone). */
  volumeId: string;
  region: string;
  zone: string;
  type: VolumeType;
  /** The volume's size when the snapshot was taken. */
  sizeGiB: number;
  state: 'pending' | 'available' | 'deleted' | 'failed';
  /** When the snapshot was taken, UTC (ISO 8601). */
  createdAt: string;
  message?: string;
}

export interface Operation {
  id: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed';
  kind: string;
  resourceId?: string;
  error?: { code: string; message: string };
}

export interface CreateInstanceRequest {
  idempotencyToken: string;
  region: string;
  zone: string;
  hostId: string;
  vcpu: number;
  memoryMiB: number;
  gpu?: number;
  image: string;
  privateIp?: string;
  /** Ask for a public address with the instance; it is released when the instance is deleted. */
  publicIp?: boolean;
  labels?: Record<string, string>;
  /** The groups the instance starts with; none when absent. */
  securityGroups?: SecurityGroup[];
}

/** What one page of a listing asks for: a region, and for instances and volumes a zone. */
export interface PageQuery {
  region: string;
  /** Where the previous page ended; absent for the first page. */
  pageToken?: string;
  /** Items per page: 500 when absent, at most 1000. */
  limit?: number;
}

export interface ZonePageQuery extends PageQuery {
  zone: string;
}

/** Snapshots are listed per region, or per zone of it. */
export interface SnapshotPageQuery extends PageQuery {
  zone?: string;
}

/**
 * One page of a listing, ordered by id. Paging is stable while resources come and go between pages: nothing
 * is seen twice, and nothing that existed throughout is missed. What is deleted (or terminated) is not listed;
 * what was just created may not be listed yet (eventual consistency, as for a get).
 */
export interface Page<T> {
  items: T[];
  /** Present when more items follow; pass it as pageToken for the next page. */
  nextPageToken?: string;
}

export interface CloudProvider {
  describeRegions(): Promise<Region[]>;
  listHosts(region?: string): Promise<HostInfo[]>;
  createInstance(req: CreateInstanceRequest): Promise<Operation>;
  startInstance(id: string, idempotencyToken: string): Promise<Operation>;
  stopInstance(id: string, idempotencyToken: string): Promise<Operation>;
  deleteInstance(id: string, idempotencyToken: string): Promise<Operation>;
  getInstance(id: string): Promise<InstanceInfo | undefined>;
  createNetwork(req: { idempotencyToken: string; region: string; cidr: string }): Promise<Operation>;
  deleteNetwork(id: string, idempotencyToken: string): Promise<Operation>;
  getNetwork(id: string): Promise<NetworkInfo | undefined>;
  createVolume(req: CreateVolumeRequest): Promise<Operation>;
  /** Grow a volume to `sizeGiB`; a size at or below the current one is refused (400). */
  resizeVolume(id: string, sizeGiB: number, idempotencyToken: string): Promise<Operation>;
  deleteVolume(id: string, idempotencyToken: string): Promise<Operation>;
  getVolume(id: string): Promise<VolumeInfo | undefined>;
  getOperation(id: string): Promise<Operation>;
  /** Replaces all of an instance's security groups. */
  updateInstanceSecurityGroups(
    id: string,
    groups: SecurityGroup[],
    idempotencyToken: string,
  ): Promise<Operation>;
  /** Changes an instance's vCPU and memory; refused (409) when its host has no room for the new size. */
  resizeInstance(id: string, size: InstanceSize, idempotencyToken: string): Promise<Operation>;
  /** Attaches a volume to an instance of its own zone; refused when it is attached to another instance. */
  attachVolume(id: string, instanceId: string, idempotencyToken: string): Promise<Operation>;
  /** Detaches a volume from whatever instance holds it; a detached volume stays detached. */
  detachVolume(id: string, idempotencyToken: string): Promise<Operation>;
  listInstances(query: ZonePageQuery): Promise<Page<InstanceInfo>>;
  listVolumes(query: ZonePageQuery): Promise<Page<VolumeInfo>>;
  listNetworks(query: PageQuery): Promise<Page<NetworkInfo>>;
  /** Takes a snapshot of a volume; the operation's resourceId is the snapshot's id. */
  createSnapshot(volumeId: string, idempotencyToken: string): Promise<Operation>;
  getSnapshot(id: string): Promise<SnapshotInfo | undefined>;
  /** Deleting a deleted snapshot succeeds and changes nothing. */
  deleteSnapshot(id: string, idempotencyToken: string): Promise<Operation>;
  listSnapshots(query: SnapshotPageQuery): Promise<Page<SnapshotInfo>>;
}

export class ProviderError extends Error {}
/** The provider asked us to slow down. */
export class ProviderThrottledError extends ProviderError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}
/** The provider cannot be reached, or the circuit breaker is open. */
export class ProviderUnavailableError extends ProviderError {}
export class ProviderNotFoundError extends ProviderError {}
/** The provider refused the request (4xx): retrying the same request will not help. */
export class ProviderRequestError extends ProviderError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}
