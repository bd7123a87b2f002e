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
  message?: string;
}

export interface NetworkInfo {
  id: string;
  region: string;
  cidr: string;
  state: 'available' | 'deleted';
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
