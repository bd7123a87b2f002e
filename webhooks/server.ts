// The admission webhook HTTPS server: /validate and /mutate. Every answer to a POST is a well-formed
// AdmissionReview with HTTP 200, including for bodies that are too large or not JSON, so the API server
// always gets a readable refusal rather than an error.
import https from 'node:https';
import type { Logger } from 'pino';
import { mutate, validate } from './admission.ts';
import { deny } from './review.ts';
import type { ServingCertificate } from './certs.ts';
import type { QuotaLookup } from './quota.ts';

export const maxBodyBytes = 3 * 1024 * 1024;

export function startWebhookServer(
  port: number,
  cert: ServingCertificate,
  log?: Logger,
  quota?: QuotaLookup,
): Promise<https.Server> {
  const server = https.createServer({ cert: cert.cert, key: cert.key, minVersion: 'TLSv1.2' }, (req, res) => {
    const reply = (code: number, body: unknown): void => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = req.url?.split('?')[0];
    const handler =
      path === '/validate'
        ? (body: unknown) => validate(body, quota)
        : path === '/mutate'
          ? (body: unknown) => Promise.resolve(mutate(body))
          : undefined;
    if (!handler) return reply(404, { message: 'not found: use /validate or /mutate' });
    if (req.method !== 'POST') return reply(405, { message: 'use POST' });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge)
        return reply(
          200,
          deny('', [{ field: 'request', message: `body larger than ${maxBodyBytes} bytes` }], 413),
        );
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(200, deny('', [{ field: 'request', message: 'body is not JSON' }], 400));
      }
      handler(body)
        .then((review) => reply(200, review))
        .catch((err: unknown) => {
          log?.error({ err: String(err) }, 'admission handler failed');
          const uid = (body as { request?: { uid?: unknown } } | null)?.request?.uid;
          const message = 'could not evaluate the request (the quota lookup failed); retry';
          reply(
            200,
            deny(typeof uid === 'string' ? uid.slice(0, 256) : '', [{ field: 'request', message }], 500),
          );
        });
    });
  });
  server.setTimeout(10_000);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

/** Swaps in a renewed certificate without dropping connections. */
export function rotateCertificate(server: https.Server, cert: ServingCertificate): void {
  server.setSecureContext({ cert: cert.cert, key: cert.key });
}
