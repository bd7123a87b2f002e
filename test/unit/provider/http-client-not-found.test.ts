// How the provider client reads a 404: the provider saying a resource does not exist is "not found" (a
// delete may take it for gone); a 404 that is not the provider's answer (a proxy's page) is not.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { HttpProvider } from '../../../controllers/provider/http-client.ts';
import { simulatorServer } from '../../../controllers/provider/simulator/server.ts';
import { CloudState, defaultConfig } from '../../../controllers/provider/simulator/state.ts';
import { ProviderNotFoundError, ProviderRequestError } from '../../../controllers/provider/types.ts';

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('unit: provider client on a 404', () => {
  const servers: http.Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  it('the provider saying an instance does not exist is ProviderNotFoundError, and undefined on a read', async () => {
    const sim = simulatorServer(
      new CloudState({ ...defaultConfig, latencyMs: 0, visibilityDelayMs: 0 }),
      pino({ level: 'silent' }),
    );
    servers.push(sim);
    const provider = new HttpProvider(await listen(sim), { maxAttempts: 1 });
    await assert.rejects(provider.deleteInstance('i-none', 'token-1'), ProviderNotFoundError);
    assert.equal(await provider.getInstance('i-none'), undefined);
  });

  it('a 404 page that is not the provider answering is a refusal, never "not found"', async () => {
    const proxy = http.createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body>404 Not Found</body></html>');
    });
    servers.push(proxy);
    const provider = new HttpProvider(await listen(proxy), { maxAttempts: 1 });
    const refused = (err: unknown) =>
      err instanceof ProviderRequestError && !(err instanceof ProviderNotFoundError) && err.status === 404;
    await assert.rejects(provider.deleteInstance('i-1', 'token-1'), refused);
    await assert.rejects(provider.getInstance('i-1'), refused);
  });
});
