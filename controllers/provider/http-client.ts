// The operator's client for an HTTP provider (the simulator, or any driver speaking the same API): one
// correlation id per call, sent on each of its attempts, and the provider's answers turned into the provider
// errors controllers act on. Timeouts, retries and the circuit breaker are ProviderResilience's; throttling
// (429) is thrown at once as ProviderThrottledError with the wait the provider asked for, never slept through.
import { randomUUID } from 'node:crypto';
import { ProviderResilience, type CircuitPosition, type ResilienceOptions } from './resilience.ts';
import { retryAfterMs } from './retry-after.ts';
import {
  ProviderNotFoundError,
  ProviderRequestError,
  ProviderThrottledError,
  ProviderUnavailableError,
  type CloudProvider,
  type CreateInstanceRequest,
  type CreateVolumeRequest,
  type HostInfo,
  type InstanceInfo,
  type InstanceSize,
  type NetworkInfo,
  type Operation,
  type Page,
  type PageQuery,
  type Region,
  type SecurityGroup,
  type SnapshotInfo,
  type SnapshotPageQuery,
  type VolumeInfo,
  type ZonePageQuery,
} from './types.ts';

export interface HttpProviderOptions extends ResilienceOptions {
  /** Told of every attempt that went out, with its HTTP status or 'error' when no answer came. */
  onCall?: (info: {
    method: string;
    path: string;
    status: number | 'error';
    correlationId: string;
    attempt: number;
  }) => void;
}

/** An answer of the provider that is neither a failure (5xx, no answer) nor throttling. */
interface Answer {
  status: number;
  payload: { code?: string; message?: string };
  /** Whether the body was JSON: only the provider's own JSON can say that something does not exist. */
  json: boolean;
}

export class HttpProvider implements CloudProvider {
  private readonly resilience: ProviderResilience;

  constructor(
    private readonly baseUrl: string,
    private readonly opts: HttpProviderOptions = {},
  ) {
    this.resilience = new ProviderResilience(opts);
  }

  /** Where the circuit breaker stands. */
  get circuit(): CircuitPosition {
    return this.resilience.circuit;
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    notFoundAsUndefined = false,
  ): Promise<T> {
    const correlationId = randomUUID();
    const answer = await this.resilience.run(({ attempt, signal }) =>
      this.attempt(method, path, body, correlationId, attempt, signal),
    );
    const { status, payload, json } = answer;
    if (status === 404) {
      // Only the provider's own (JSON) answer says that a resource does not exist. A bare 404 or a proxy's
      // page says nothing about it, and taking it for "gone" would let a delete forget what still runs.
      if (!json)
        throw new ProviderRequestError(
          `${method} ${path}: HTTP 404 that is not the provider's answer: ${payload.message ?? 'empty body'}`,
          404,
          'BadResponse',
        );
      if (notFoundAsUndefined) return undefined as T;
      throw new ProviderNotFoundError(payload.message ?? `${path} not found`);
    }
    if (status >= 400) {
      throw new ProviderRequestError(
        `${method} ${path}: ${payload.message ?? `HTTP ${status}`}`,
        status,
        payload.code ?? 'Refused',
      );
    }
    return payload as T;
  }

  /**
   * One attempt: a failure the policy may retry is ProviderUnavailableError, throttling is
   * ProviderThrottledError (never retried here), and any other answer is returned for `call` to read.
   */
  private async attempt(
    method: string,
    path: string,
    body: unknown,
    correlationId: string,
    attempt: number,
    signal: AbortSignal,
  ): Promise<Answer> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      text = await res.text();
    } catch (err) {
      this.opts.onCall?.({ method, path, status: 'error', correlationId, attempt });
      const why = signal.aborted
        ? `no answer within ${this.opts.timeoutMs ?? 5_000} ms`
        : (err as Error).message;
      throw new ProviderUnavailableError(`${method} ${path}: ${why} (correlation id ${correlationId})`);
    }
    this.opts.onCall?.({ method, path, status: res.status, correlationId, attempt });
    const answer = readAnswer(res.status, text);
    if (res.status === 429) {
      throw new ProviderThrottledError(
        `${method} ${path} throttled: ${answer.payload.message ?? ''}`,
        retryAfterMs(res.headers, Date.now()),
      );
    }
    if (res.status >= 500) {
      throw new ProviderUnavailableError(
        `${method} ${path}: HTTP ${res.status} ${answer.payload.message ?? ''} (correlation id ${correlationId})`,
      );
    }
    if (res.ok && !answer.json && text !== '')
      throw new ProviderRequestError(
        `${method} ${path}: the provider answered with something that is not JSON`,
        res.status,
        'BadResponse',
      );
    return answer;
  }

  describeRegions(): Promise<Region[]> {
    return this.call('GET', '/v1/regions');
  }
  listHosts(region?: string): Promise<HostInfo[]> {
    return this.call('GET', `/v1/hosts${region ? `?region=${encodeURIComponent(region)}` : ''}`);
  }
  createInstance(req: CreateInstanceRequest): Promise<Operation> {
    return this.call('POST', '/v1/instances', req);
  }
  startInstance(id: string, idempotencyToken: string): Promise<Operation> {
    return this.call('POST', `/v1/instances/${encodeURIComponent(id)}/start`, { idempotencyToken });
  }
  stopInstance(id: string, idempotencyToken: string): Promise<Operation> {
    return this.call('POST', `/v1/instances/${encodeURIComponent(id)}/stop`, { idempotencyToken });
  }
  deleteInstance(id: string, idempotencyToken: string): Promise<Operation> {
    return this.call('DELETE', `/v1/instances/${encodeURIComponent(id)}`, { idempotencyToken });
  }
  getInstance(id: string): Promise<InstanceInfo | undefined> {
    return this.call('GET', `/v1/instances/${encodeURIComponent(id)}`, undefined, true);
  }
  createNetwork(req: { idempotencyToken: string; region: string; cidr: string }): Promise<Operation> {
    return this.call('POST', '/v1/networks', req);
  }
  deleteNetwork(id: string, idempotencyToken: string): Promise<Operation> {
    return this.call('DELETE', `/v1/networks/${encodeURIComponent(id)}`, { idempotencyToken });
  }
  getNetwork(id: string): Promise<NetworkInfo | undefined> {
    return this.call('GET', `/v1/networks/${encodeURIComponent(id)}`, undefined, true);
  }
  createVolume(req: CreateVolumeRequest): Promise<Operation> {
    return this.call('POST', '/v1/volumes', req);
  }
  resizeVolume(id: string, sizeGiB: number, idempotencyToken: string): Promise<Operation> {
    return this.call('POST', `/v1/volumes/${encodeURIComponent(id)}/resize`, { idempotencyToken, sizeGiB });
  }
  deleteVolume(id: string, idempotencyToken: string): Promise<Operation> {
    return this.call('DELETE', `/v1/volumes/${encodeURIComponent(id)}`, { idempotencyToken });
  }
  getVolume(id: string): Promise<VolumeInfo | undefined> {
    return this.call('GET', `/v1/volumes/${encodeURIComponent(id)}`, undefined, true);
  }
  getOperation(id: string): Promise<Operation> {
    return this.call('GET', `/v1/operations/${encodeURIComponent(id)}`);
  }
  updateInstanceSecurityGroups(
    id: string,
    groups: SecurityGroup[],
    idempotencyToken: string,
  ): Promise<Operation> {
    return this.call('PUT', `/v1/instances/${encodeURIComponent(id)}/security-groups`, {
      idempotencyToken,
      securityGroups: groups,
    });
  }
  resizeInstance(id: string, size: InstanceSize, idempotencyToken: string): Promise<Operation> {
    return this.call('POST', `/v1/instances/${encodeURIComponent(id)}/resize`, {
      idempotencyToken,
      vcpu: size.vcpu,
      memoryMiB: size.memoryMiB,
    });
  }
  attachVolume(id: string, instanceId: string, idempotencyToken: string): Promise<Operation> {
    return this.call('POST', `/v1/volumes/${encodeURIComponent(id)}/attach`, {
      idempotencyToken,
      instanceId,
    });
  }
  detachVolume(id: string, idempotencyToken: string): Promise<Operation> {
    return this.call('POST', `/v1/volumes/${encodeURIComponent(id)}/detach`, { idempotencyToken });
  }
  listInstances(query: ZonePageQuery): Promise<Page<InstanceInfo>> {
    return this.call('GET', `/v1/instances?${pageParams(query)}`);
  }
  listVolumes(query: ZonePageQuery): Promise<Page<VolumeInfo>> {
    return this.call('GET', `/v1/volumes?${pageParams(query)}`);
  }
  listNetworks(query: PageQuery): Promise<Page<NetworkInfo>> {
    return this.call('GET', `/v1/networks?${pageParams(query)}`);
  }
  createSnapshot(volumeId: string, idempotencyToken: string): Promise<Operation> {
    return this.call('POST', '/v1/snapshots', { idempotencyToken, volumeId });
  }
  getSnapshot(id: string): Promise<SnapshotInfo | undefined> {
    return this.call('GET', `/v1/snapshots/${encodeURIComponent(id)}`, undefined, true);
  }
  deleteSnapshot(id: string, idempotencyToken: string): Promise<Operation> {
    return this.call('DELETE', `/v1/snapshots/${encodeURIComponent(id)}`, { idempotencyToken });
  }
  listSnapshots(query: SnapshotPageQuery): Promise<Page<SnapshotInfo>> {
    return this.call('GET', `/v1/snapshots?${pageParams(query)}`);
  }
}

/** A listing's query string: only what was given, in a fixed order. */
function pageParams(query: PageQuery & { zone?: string }): string {
  const params = new URLSearchParams({ region: query.region });
  if (query.zone !== undefined) params.set('zone', query.zone);
  if (query.pageToken !== undefined) params.set('pageToken', query.pageToken);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  return params.toString();
}

function readAnswer(status: number, text: string): Answer {
  if (text === '') return { status, payload: {}, json: false };
  try {
    return { status, payload: (JSON.parse(text) as Answer['payload'] | null) ?? {}, json: true };
  } catch {
    // A proxy's HTML error page or a truncated body: keep the status, show the start of the text.
    return { status, payload: { message: text.slice(0, 200) }, json: false };
  }
}
