// Connection reuse for API requests. @kubernetes/client-node builds a new undici Agent for every request, so
// each request opened (and paid for) a TLS connection of its own: under load the handshakes cost the operator
// and the API server more CPU than the requests. `reuseConnections` keeps one Agent per TLS identity (the
// server, the CA, the client certificate and key, the verification settings), so keep-alive connections carry
// request after request. The identity is keyed by the material itself, not by file names: a rotated
// certificate gets a new Agent and new connections; the previous Agents are closed once a few newer exist.
import crypto from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';

interface Dispatcher {
  close(): Promise<void>;
}

interface WithDispatchers {
  createDispatcher?: (
    cluster: k8s.Cluster | null,
    options: Record<string, unknown>,
  ) => Dispatcher | undefined;
}

/** How many TLS identities keep an Agent at once (the current one and those rotated away from just now). */
const kept = 4;

/** The key of one TLS identity: a digest of everything that makes a connection what it is. */
export function identityKey(cluster: k8s.Cluster | null, options: Record<string, unknown>): string {
  const hash = crypto.createHash('sha256');
  const part = (v: unknown) => {
    if (v === undefined || v === null) hash.update('\u0000-');
    else if (Buffer.isBuffer(v)) hash.update(v);
    else hash.update(typeof v === 'string' ? v : JSON.stringify(v));
    hash.update('\u0000');
  };
  part(cluster?.server);
  part(cluster?.skipTLSVerify);
  part(cluster?.proxyUrl);
  part(cluster?.tlsServerName);
  for (const field of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'])
    part(options[field]);
  return hash.digest('hex');
}

/**
 * Makes `kc` hand the same dispatcher to every request of one TLS identity. Returns false (and changes
 * nothing) when the client library no longer builds dispatchers the way this expects.
 */
export function reuseConnections(kc: k8s.KubeConfig): boolean {
  const target = kc as unknown as WithDispatchers;
  const build = target.createDispatcher;
  if (typeof build !== 'function') return false;
  const agents = new Map<string, Dispatcher | undefined>();
  target.createDispatcher = (cluster, options) => {
    const key = identityKey(cluster, options);
    if (agents.has(key)) {
      const agent = agents.get(key);
      agents.delete(key);
      agents.set(key, agent); // most recently used last
      return agent;
    }
    const agent = build.call(kc, cluster, options);
    agents.set(key, agent);
    while (agents.size > kept) {
      const [oldest, old] = agents.entries().next().value as [string, Dispatcher | undefined];
      agents.delete(oldest);
      void old?.close().catch(() => undefined);
    }
    return agent;
  };
  return true;
}
