// /metrics, /healthz and /readyz.
import http from 'node:http';
import { registry } from './metrics.ts';

export interface Probes {
  live(): boolean;
  ready(): { ok: boolean; detail: string };
}

export function startHttpServer(port: number, probes: Probes): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const send = (code: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(code, { 'Content-Type': type });
      res.end(body);
    };
    if (req.url === '/metrics') return send(200, await registry.metrics(), registry.contentType);
    if (req.url === '/healthz') return probes.live() ? send(200, 'ok\n') : send(500, 'not live\n');
    if (req.url === '/readyz') {
      const r = probes.ready();
      return send(r.ok ? 200 : 503, `${r.detail}\n`);
    }
    send(404, 'not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
