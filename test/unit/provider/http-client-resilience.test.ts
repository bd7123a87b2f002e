// The provider client's resilience, against a small local HTTP server standing in for the provider: throttling
// is thrown at once with the provider's wait (no sleep, no retry, not counted by the breaker); network errors,
// timeouts and 5xx are retried and then reported as unavailable; refusals (4xx) are not retried; the circuit
// opens after consecutive failures, fails fast without calling the provider, and half-opens after its delay.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpProvider, type HttpProviderOptions } from '../../../controllers/provider/http-client.ts';
import {
  ProviderRequestError,
  ProviderThrottledError,
  ProviderUnavailableError,
} from '../../../controllers/provider/types.ts';
import { eventually } from '../../support/kube.ts';

type Answer = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const regions = json(200, [{ name: 'eu-west-1', status: 'up', zones: [] }]);
const unavailable = json(503, { code: 'Unavailable', message: 'backend down' });
const throttled = (headers: Record<string, string>) =>
  json(429, { code: 'Throttled', message: 'request rate exceeded; retry later' }, headers);

/** A provider whose next answers the test sets; it records every request that reached it. */
class FakeProvider {
  readonly requests: { method: string; url: string; correlationId: string }[] = [];
  /** Requests whose connection the client closed before an answer was sent. */
  abandoned = 0;
  answer: Answer = regions;
  private readonly server = http.createServer((req, res) => {
    this.requests.push({
      method: req.method!,
      url: req.url!,
      correlationId: String(req.headers['x-correlation-id']),
    });
    res.on('close', () => {
      if (!res.writableEnded) this.abandoned++;
    });
    req.resume();
    req.on('end', () => this.answer(req, res));
  });

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

describe('unit: provider client resilience', () => {
  let fake: FakeProvider;
  let url: string;
  beforeEach(async () => {
    fake = new FakeProvider();
    url = await fake.start();
  });
  afterEach(() => fake.stop());

  const client = (opts: HttpProviderOptions = {}) => new HttpProvider(url, { baseBackoffMs: 1, ...opts });
  const isUnavailable = (pattern: RegExp) => (e: unknown) =>
    e instanceof ProviderUnavailableError && pattern.test(e.message);

  describe('throttling', () => {
    const throttledAfter = (ms: (n: number) => boolean) => (e: unknown) =>
      e instanceof ProviderThrottledError &&
      ms(e.retryAfterMs) &&
      e.message === 'GET /v1/regions throttled: request rate exceeded; retry later';

    it('a 429 with retry-after-ms is ProviderThrottledError with that wait, after one call and no retry', async () => {
      fake.answer = throttled({ 'retry-after-ms': '1500', 'retry-after': '2' });
      await assert.rejects(
        client({ maxAttempts: 4 }).describeRegions(),
        throttledAfter((ms) => ms === 1500),
      );
      assert.equal(fake.requests.length, 1);
    });

    it('a 429 with Retry-After in seconds is ProviderThrottledError with that wait, after one call', async () => {
      fake.answer = throttled({ 'retry-after': '3' });
      await assert.rejects(
        client({ maxAttempts: 4 }).describeRegions(),
        throttledAfter((ms) => ms === 3000),
      );
      assert.equal(fake.requests.length, 1);
    });

    it('a 429 with Retry-After as an HTTP date waits until that date, after one call', async () => {
      fake.answer = (req, res) =>
        throttled({ 'retry-after': new Date(Date.now() + 30_000).toUTCString() })(req, res);
      // The date has whole seconds: the wait is up to a second short of 30 s, never more.
      await assert.rejects(
        client({ maxAttempts: 4 }).describeRegions(),
        throttledAfter((ms) => ms > 28_000 && ms <= 30_000),
      );
      assert.equal(fake.requests.length, 1);
    });

    it('throttling counts neither as a success nor as a failure for the circuit breaker', async () => {
      const provider = client({
        maxAttempts: 1,
        breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
      });
      fake.answer = unavailable;
      for (let i = 0; i < 2; i++) await assert.rejects(provider.describeRegions(), ProviderUnavailableError);
      fake.answer = throttled({ 'retry-after-ms': '200' });
      for (let i = 0; i < 5; i++) await assert.rejects(provider.describeRegions(), ProviderThrottledError);
      assert.equal(provider.circuit, 'closed', 'five throttled calls are not five failures');
      fake.answer = unavailable;
      await assert.rejects(provider.describeRegions(), ProviderUnavailableError);
      assert.equal(
        provider.circuit,
        'open',
        'the throttled calls did not reset the count of failures either',
      );
      await assert.rejects(provider.describeRegions(), isUnavailable(/circuit open/));
      assert.equal(fake.requests.length, 8);
    });
  });

  describe('retries', () => {
    it('retries a 5xx, then reports the provider unavailable, one correlation id on every attempt', async () => {
      fake.answer = unavailable;
      const seen: { status: number | 'error'; attempt: number; correlationId: string }[] = [];
      const provider = client({ maxAttempts: 3, onCall: (c) => seen.push(c) });
      await assert.rejects(
        provider.describeRegions(),
        isUnavailable(/GET \/v1\/regions: HTTP 503 backend down/),
      );
      assert.equal(fake.requests.length, 3);
      assert.deepEqual(
        seen.map((c) => [c.status, c.attempt]),
        [
          [503, 1],
          [503, 2],
          [503, 3],
        ],
      );
      const ids = new Set(fake.requests.map((r) => r.correlationId));
      assert.equal(ids.size, 1, 'the attempts of one call share its correlation id');
      assert.match([...ids][0]!, /^[0-9a-f-]{36}$/);
      assert.deepEqual(
        seen.map((c) => c.correlationId),
        fake.requests.map((r) => r.correlationId),
      );
      await provider.describeRegions().catch(() => undefined);
      assert.notEqual(
        fake.requests[3]!.correlationId,
        fake.requests[0]!.correlationId,
        'a new call, a new id',
      );
    });

    it('returns the answer when a 5xx clears on a retry', async () => {
      let n = 0;
      fake.answer = (req, res) => (++n <= 2 ? json(502, { message: 'bad gateway' }) : regions)(req, res);
      const got = await client({ maxAttempts: 4 }).describeRegions();
      assert.equal(got[0]?.name, 'eu-west-1');
      assert.equal(fake.requests.length, 3);
    });

    it('retries a connection dropped without an answer, then reports the provider unavailable', async () => {
      fake.answer = (req) => req.socket.destroy();
      const statuses: (number | 'error')[] = [];
      await assert.rejects(
        client({ maxAttempts: 3, onCall: (c) => statuses.push(c.status) }).describeRegions(),
        isUnavailable(/GET \/v1\/regions: .*\(correlation id [0-9a-f-]{36}\)/),
      );
      assert.equal(fake.requests.length, 3);
      assert.deepEqual(statuses, ['error', 'error', 'error']);
    });

    it('aborts an attempt that outlives its timeout, retries it, then reports the provider unavailable', async () => {
      fake.answer = () => undefined; // never answers
      await assert.rejects(
        client({ maxAttempts: 2, timeoutMs: 150 }).describeRegions(),
        isUnavailable(/GET \/v1\/regions: no answer within 150 ms/),
      );
      assert.equal(fake.requests.length, 2);
      // Aborted for real: the provider sees each request's connection closed, not merely left behind.
      await eventually(
        'both requests abandoned by the client',
        async () => fake.abandoned === 2 || undefined,
        5_000,
      );
    });

    for (const status of [400, 403, 409, 422])
      it(`does not retry a refusal (HTTP ${status})`, async () => {
        fake.answer = json(status, { code: 'InvalidSpec', message: 'vcpu must be positive' });
        await assert.rejects(
          client({ maxAttempts: 4 }).createNetwork({
            idempotencyToken: 't',
            region: 'r',
            cidr: '10.0.0.0/16',
          }),
          (e: unknown) =>
            e instanceof ProviderRequestError &&
            e.status === status &&
            e.code === 'InvalidSpec' &&
            e.message === 'POST /v1/networks: vcpu must be positive',
        );
        assert.equal(fake.requests.length, 1);
      });

    it('does not retry a 2xx that is not JSON, and calls it a bad response', async () => {
      fake.answer = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>login</html>');
      };
      await assert.rejects(
        client({ maxAttempts: 4 }).describeRegions(),
        (e: unknown) => e instanceof ProviderRequestError && e.code === 'BadResponse' && e.status === 200,
      );
      assert.equal(fake.requests.length, 1);
    });
  });

  describe('circuit breaker', () => {
    it('opens after consecutive failures and then fails fast without calling the provider', async () => {
      fake.answer = unavailable;
      const provider = client({
        maxAttempts: 1,
        breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
      });
      for (let i = 0; i < 3; i++) await assert.rejects(provider.describeRegions(), isUnavailable(/HTTP 503/));
      assert.equal(provider.circuit, 'open');
      for (let i = 0; i < 3; i++)
        await assert.rejects(
          provider.getInstance('i-1'),
          isUnavailable(
            /^circuit open after 3 failures in a row \(last: GET \/v1\/regions: HTTP 503 backend down .*\); next try in 60s$/,
          ),
        );
      assert.equal(fake.requests.length, 3, 'no call reached the provider while the circuit was open');
    });

    it('stops a call’s retries once the circuit opens', async () => {
      fake.answer = unavailable;
      const provider = client({
        maxAttempts: 4,
        breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
      });
      await assert.rejects(provider.describeRegions(), isUnavailable(/^circuit open after 2 failures/));
      assert.equal(fake.requests.length, 2);
    });

    it('half-opens after its delay: one trial call, and the circuit closes when it succeeds', async () => {
      fake.answer = unavailable;
      const provider = client({ maxAttempts: 1, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 300 } });
      for (let i = 0; i < 2; i++) await assert.rejects(provider.describeRegions());
      fake.answer = regions;
      await assert.rejects(provider.describeRegions(), isUnavailable(/circuit open.*next try in 1s$/));
      const got = await eventually(
        'a call through the half-open circuit',
        () => provider.describeRegions(),
        5_000,
      );
      assert.equal(got[0]?.name, 'eu-west-1');
      assert.equal(fake.requests.length, 3, 'calls before the delay failed fast; one trial went out');
      assert.equal(provider.circuit, 'closed');
      await provider.describeRegions();
      assert.equal(fake.requests.length, 4);
    });

    it('opens again when the half-open trial fails', async () => {
      fake.answer = unavailable;
      const provider = client({ maxAttempts: 1, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 300 } });
      for (let i = 0; i < 2; i++) await assert.rejects(provider.describeRegions());
      await eventually(
        'the trial call to reach the provider',
        async () => {
          await provider.describeRegions().catch(() => undefined);
          return fake.requests.length === 3 || undefined;
        },
        5_000,
      );
      assert.equal(provider.circuit, 'open');
      await assert.rejects(provider.describeRegions(), isUnavailable(/circuit open/));
      assert.equal(fake.requests.length, 3);
    });
  });
});
