// Throttling by the stack's cloud simulator, through the operator's HTTP client: a throttled call comes back at
// once as ProviderThrottledError carrying the wait the simulator asked for, after a single request (the
// operator's runtime requeues the key after that wait; nothing sleeps or retries in the client), and throttling
// never opens the circuit. Faults are cleared after each test, whatever happened.
import assert from 'node:assert/strict';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { HttpProvider, type HttpProviderOptions } from '../../../controllers/provider/http-client.ts';
import { ProviderThrottledError } from '../../../controllers/provider/types.ts';

describe('integration: throttling by the cloud simulator', function () {
  this.timeout(30_000);
  const url = endpoints().provider;
  const faults = async (method: 'POST' | 'DELETE', body?: object) => {
    const res = await fetch(`${url}/admin/faults`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    assert.ok(res.ok, `${method} /admin/faults: HTTP ${res.status} ${await res.text()}`);
  };
  afterEach(() => faults('DELETE'));

  const client = (opts: HttpProviderOptions = {}) => {
    const statuses: (number | 'error')[] = [];
    const provider = new HttpProvider(url, { ...opts, onCall: (c) => statuses.push(c.status) });
    return { provider, statuses };
  };

  it('a throttled call is ProviderThrottledError with the simulator’s retry-after, after one request', async () => {
    await faults('POST', { throttle: { probability: 1, retryAfterMs: 2_500 } });
    const { provider, statuses } = client({ maxAttempts: 4 });
    await assert.rejects(
      provider.listHosts('eu-west-1'),
      (e: unknown) =>
        e instanceof ProviderThrottledError &&
        e.retryAfterMs === 2_500 &&
        e.message === 'GET /v1/hosts?region=eu-west-1 throttled: request rate exceeded; retry later',
    );
    assert.deepEqual(statuses, [429], 'one request, not retried');
  });

  it('the simulator’s default wait of a second when it is given none', async () => {
    await faults('POST', { throttle: { probability: 1 } });
    const { provider, statuses } = client({ maxAttempts: 4 });
    await assert.rejects(
      provider.getOperation('op-none'),
      (e: unknown) => e instanceof ProviderThrottledError && e.retryAfterMs === 1_000,
    );
    assert.deepEqual(statuses, [429]);
  });

  it('throttling does not open the circuit: calls go through as soon as it is lifted', async () => {
    await faults('POST', { throttle: { probability: 1, retryAfterMs: 200 } });
    const { provider, statuses } = client({ maxAttempts: 1, breaker: { consecutiveFailures: 2 } });
    for (let i = 0; i < 4; i++) await assert.rejects(provider.describeRegions(), ProviderThrottledError);
    assert.equal(provider.circuit, 'closed');
    await faults('DELETE');
    assert.ok((await provider.describeRegions()).some((r) => r.name === 'eu-west-1'));
    assert.deepEqual(statuses, [429, 429, 429, 429, 200]);
  });
});
