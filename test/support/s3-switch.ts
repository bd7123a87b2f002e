// A loopback TCP proxy to the stack's S3 server that a test can switch off and on: off, it resets every
// connection at once (what a client sees while the server is down) without touching the shared server.
import net from 'node:net';
import { endpoints } from '../../hack/stack/endpoints.ts';

export interface S3Switch {
  /** An endpoint URL through the proxy. */
  endpoint: string;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startS3Switch(): Promise<S3Switch> {
  const target = new URL(endpoints().s3.endpoint);
  const sockets = new Set<net.Socket>();
  let isDown = false;
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    if (isDown) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(target.port || 80), target.hostname);
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    down() {
      isDown = true;
      for (const s of sockets) s.destroy();
    },
    up() {
      isDown = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
