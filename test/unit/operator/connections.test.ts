// API requests of one TLS identity share one dispatcher (and so their keep-alive connections); another
// identity, such as a rotated client certificate, gets its own; old ones are closed once enough newer exist.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { identityKey, reuseConnections } from '../../../operator/connections.ts';
import { BoundedKubeConfig } from '../../../operator/kubeconfig.ts';

function config(server: string, token = 't', cert?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token, ...(cert ? { certData: cert, keyData: cert } : {}) }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function dispatcherOf(kc: k8s.KubeConfig): Promise<unknown> {
  const context = new k8s.RequestContext('https://127.0.0.1:1/api', k8s.HttpMethod.GET);
  await kc.applySecurityAuthentication(context);
  return context.getDispatcher();
}

describe('API connection reuse', () => {
  it('gives every request of one identity the same dispatcher', async () => {
    const kc = config('https://127.0.0.1:6443');
    assert.equal(reuseConnections(kc), true);
    const first = await dispatcherOf(kc);
    assert.ok(first, 'a dispatcher is set');
    assert.equal(await dispatcherOf(kc), first);
    assert.equal(await dispatcherOf(kc), first);
  });

  it('without it, the client library builds a new dispatcher per request (why it exists)', async () => {
    const kc = config('https://127.0.0.1:6443');
    assert.notEqual(await dispatcherOf(kc), await dispatcherOf(kc));
  });

  it('is on in the operator’s own KubeConfig', async () => {
    const kc = new BoundedKubeConfig(5_000);
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    assert.equal(await dispatcherOf(kc), await dispatcherOf(kc));
  });

  it('a bearer token is a header, not an identity: a rotated token keeps the connections', async () => {
    const kc = config('https://127.0.0.1:6443', 'old');
    reuseConnections(kc);
    const before = await dispatcherOf(kc);
    kc.users[0] = { ...kc.users[0]!, token: 'new' };
    assert.equal(await dispatcherOf(kc), before);
  });

  it('keys identities by server and certificate material', () => {
    const a = identityKey(
      { name: 'c', server: 'https://a', skipTLSVerify: false },
      { ca: Buffer.from('ca1') },
    );
    assert.equal(
      a,
      identityKey(
        { name: 'other name', server: 'https://a', skipTLSVerify: false },
        { ca: Buffer.from('ca1') },
      ),
    );
    assert.notEqual(
      a,
      identityKey({ name: 'c', server: 'https://a', skipTLSVerify: false }, { ca: Buffer.from('ca2') }),
    );
    assert.notEqual(
      a,
      identityKey({ name: 'c', server: 'https://b', skipTLSVerify: false }, { ca: Buffer.from('ca1') }),
    );
    assert.notEqual(
      identityKey(null, { cert: 'x', key: 'y' }),
      identityKey(null, { cert: 'xy', key: '' }),
      'fields are delimited, not run together',
    );
  });

  it('closes the dispatchers of identities rotated away from, keeping the newest', async () => {
    const closed: number[] = [];
    const kc = config('https://127.0.0.1:6443');
    let n = 0;
    (kc as unknown as { createDispatcher: unknown }).createDispatcher = () => {
      const id = n++;
      return { id, close: async () => void closed.push(id) };
    };
    reuseConnections(kc);
    const make = (kc as unknown as { createDispatcher: (c: unknown, o: object) => { id: number } })
      .createDispatcher;
    for (let i = 0; i < 6; i++) make(null, { cert: `cert-${i}` });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(closed, [0, 1]);
    assert.equal(make(null, { cert: 'cert-5' }).id, 5, 'the newest is still reused');
    assert.equal(make(null, { cert: 'cert-0' }).id, 6, 'a closed one is built afresh');
  });
});
