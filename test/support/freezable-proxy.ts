// A loopback TCP proxy that a test can freeze: it stops forwarding in both directions but keeps every socket
// open, and holds new connections without answering, so requests through it hang the way they do behind a
// dead router or a half-open connection, rather than failing fast. With it, the admin kubeconfig pointed
// through such a proxy.
import net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { adminConfig } from './kube.ts';

export interface FreezableProxy {
  /** The local port that forwards to the target. */
  port: number;
  freeze(): void;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

export async function startFreezableProxy(target: { host: string; port: number }): Promise<FreezableProxy> {
  const sockets = new Set<net.Socket>();
  const links: { client: net.Socket; upstream: net.Socket }[] = [];
  let frozen = false;
  const hold = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  const stall = (link: { client: net.Socket; upstream: net.Socket }) => {
    // Unpiped first: a pipe would resume its source on the next 'drain'.
    link.client.unpipe(link.upstream);
    link.upstream.unpipe(link.client);
    link.client.pause();
    link.upstream.pause();
  };
  const server = net.createServer((client) => {
    hold(client);
    if (frozen) {
      client.pause();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    hold(upstream);
    const link = { client, upstream };
    links.push(link);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      frozen = true;
      links.forEach(stall);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The API server of the admin kubeconfig, as a proxy's target. */
export function apiServer(): { host: string; port: number } {
  const url = new URL(adminConfig().getCurrentCluster()?.server ?? '');
  return { host: url.hostname, port: Number(url.port || 443) };
}

/** The admin kubeconfig, with the API server reached through `proxy` on loopback (its certificate names 127.0.0.1). */
export function adminConfigThrough(proxy: FreezableProxy): k8s.KubeConfig {
  const admin = adminConfig();
  const current = admin.getCurrentCluster();
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: admin.clusters.map((c) =>
      c.name === current?.name ? { ...c, server: `https://127.0.0.1:${proxy.port}` } : c,
    ),
    users: admin.users,
    contexts: admin.contexts,
    currentContext: admin.currentContext,
  });
  return kc;
}
