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
}

export interface CreateVolumeRequest {
  idempotencyToken: string;
  region: string;
  zone: string;
  type: VolumeType;
  sizeGiB: number;
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
