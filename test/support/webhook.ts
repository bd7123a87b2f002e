// Serves the admission webhooks in the test process, on loopback, with certificates the API server trusts.
import type https from 'node:https';
import { createServingCertificate, type ServingCertificate } from '../../webhooks/certs.ts';
import type { QuotaLookup } from '../../webhooks/quota.ts';
import { startWebhookServer } from '../../webhooks/server.ts';
import { freePort } from './operator.ts';

export async function serveWebhooks(quota?: QuotaLookup): Promise<{
  server: https.Server;
  port: number;
  cert: ServingCertificate;
}> {
  const cert = await createServingCertificate(['localhost'], ['127.0.0.1']);
  const port = await freePort();
  const server = await startWebhookServer(port, cert, undefined, quota);
  return { server, port, cert };
}
