// The operator's client for an HTTP provider (the simulator, or any driver speaking the same API): a timeout
// on every call, retries with exponential backoff and jitter on network errors, 5xx and 429 (honouring
// Retry-After), a circuit breaker that fails fast while the provider is down, and a correlation id per call.
import { randomUUID } from 'node:crypto';
import { CircuitBreaker } from './circuit-breaker.ts';
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
  type NetworkInfo,
  type Operation,
  type Region,
  type VolumeInfo,
} from './types.ts';

export interface HttpProviderOptions {
  timeoutMs?: number;
  maxAttempts?: number;
  baseBackoffMs?: number;
  /** The longest wait between attempts, whatever the attempt number. */
  maxBackoffMs?: number;
  breaker?: CircuitBreaker;
  onCall?: (info: {
    method: string;
    path: string;
    status: number | 'error';
    correlationId: string;
    attempt: number;
  }) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class HttpProvider implements CloudProvider {
  readonly breaker: CircuitBreaker;

  constructor(
    private readonly baseUrl: string,
    private readonly opts: HttpProviderOptions = {},
  ) {
    this.breaker = opts.breaker ?? new CircuitBreaker(5, 5_000);
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    notFoundAsUndefined = false,
  ): Promise<T> {
    const correlationId = randomUUID();
    const attempts = this.opts.maxAttempts ?? 4;
    let lastError: Error = new ProviderUnavailableError('no attempt made');
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (!this.breaker.allow()) {
        throw new ProviderUnavailableError(
          `circuit open after repeated failures; next try in ${Math.ceil(this.breaker.retryInMs() / 1000)}s`,
        );
      }
      let res: Response;
      try {
        res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5_000),
        });
      } catch (err) {
        this.breaker.failed();
        this.opts.onCall?.({ method, path, status: 'error', correlationId, attempt });
        lastError = new ProviderUnavailableError(
          `${method} ${path}: ${(err as Error).message} (correlation id ${correlationId})`,
        );
        await sleep(this.backoff(attempt));
        continue;
      }
      this.opts.onCall?.({ method, path, status: res.status, correlationId, attempt });
      const text = await res.text();
      let payload: { code?: string; message?: string } = {};
      let json = false;
      try {
        payload = text ? (JSON.parse(text) as typeof payload) : {};
        json = text !== '';
      } catch {
        // A proxy's HTML error page or a truncated body: keep the status, show the start of the text.
        payload = { message: text.slice(0, 200) };
        if (res.ok)
          throw new ProviderRequestError(
            `${method} ${path}: the provider answered with something that is not JSON`,
            res.status,
            'BadResponse',
          );
      }
      if (res.status === 429) {
        this.breaker.succeeded(); // throttling is the provider answering, not the provider failing
        const precise = Number(res.headers.get('retry-after-ms'));
        const retryAfterMs =
          Number.isFinite(precise) && res.headers.has('retry-after-ms')
            ? precise
            : Number(res.headers.get('retry-after') ?? '1') * 1000;
        lastError = new ProviderThrottledError(
          `${method} ${path} throttled: ${payload.message ?? ''}`,
          retryAfterMs,
        );
        await sleep(Math.min(retryAfterMs, 2_000) + this.backoff(attempt));
        continue;
      }
      if (res.status >= 500) {
        this.breaker.failed();
        lastError = new ProviderUnavailableError(
          `${method} ${path}: HTTP ${res.status} ${payload.message ?? ''} (correlation id ${correlationId})`,
        );
        await sleep(this.backoff(attempt));
        continue;
      }
      this.breaker.succeeded();
      if (res.status === 404) {
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
      if (res.status >= 400) {
        throw new ProviderRequestError(
          `${method} ${path}: ${payload.message ?? `HTTP ${res.status}`}`,
          res.status,
          payload.code ?? 'Refused',
        );
      }
      return payload as T;
    }
    throw lastError;
  }

  private backoff(attempt: number): number {
    const base = Math.min(
      this.opts.maxBackoffMs ?? 2_000,
      (this.opts.baseBackoffMs ?? 100) * 2 ** (attempt - 1),
    );
    return base / 2 + Math.random() * base;
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
}
