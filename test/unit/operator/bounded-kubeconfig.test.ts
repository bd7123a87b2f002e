// Every Kubernetes API request ends by its deadline, even on a connection that accepts and then says nothing.
import assert from 'node:assert/strict';
import net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { BoundedKubeConfig } from '../../../operator/kubeconfig.ts';
import { withSignal } from '../../../operator/request-signal.ts';

describe('bounded Kubernetes requests', () => {
  let server: net.Server;
  let port: number;
  const sockets: net.Socket[] = [];
  before(async () => {
    // Accepts the TCP connection and never answers: the TLS handshake, and so the request, hangs.
    server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => server.close(r));
  });

  function config(timeoutMs: number): BoundedKubeConfig {
    const kc = new BoundedKubeConfig(timeoutMs);
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return kc;
  }

  it('abandons a request on a silent connection at the timeout', async () => {
    const core = config(300).makeApiClient(k8s.CoreV1Api);
    const started = performance.now();
    await assert.rejects(core.listNamespace(), /abort|timeout/i);
    const took = performance.now() - started;
    assert.ok(took >= 250, `ended after ${took} ms, before its deadline`);
  });

  it("keeps a caller's own signal instead of the default", async () => {
    const core = config(60_000).makeApiClient(k8s.CoreV1Api);
    await assert.rejects(core.listNamespace({}, withSignal(AbortSignal.timeout(200))), /abort|timeout/i);
  });
});
