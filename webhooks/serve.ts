// Starts the webhook server for the operator process when OMNICLOUD_WEBHOOK_PORT is set: with the
// certificate in OMNICLOUD_WEBHOOK_CERT_DIR (tls.crt, tls.key, as cert-manager writes them) when present,
// otherwise with a certificate generated here for OMNICLOUD_WEBHOOK_DNS names, renewed before expiry.
import fs from 'node:fs';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { injectCaBundle } from './ca-bundle.ts';
import { createServingCertificate, needsRenewal, type ServingCertificate } from './certs.ts';
import { rotateCertificate, startWebhookServer } from './server.ts';
import { apiQuotaLookup } from './quota.ts';

async function loadOrCreate(dnsNames: string[]): Promise<ServingCertificate> {
  const dir = process.env.OMNICLOUD_WEBHOOK_CERT_DIR;
  if (dir && fs.existsSync(path.join(dir, 'tls.crt'))) {
    const cert = fs.readFileSync(path.join(dir, 'tls.crt'), 'utf8');
    const ca = path.join(dir, 'ca.crt');
    return {
      cert,
      key: fs.readFileSync(path.join(dir, 'tls.key'), 'utf8'),
      caCert: fs.existsSync(ca) ? fs.readFileSync(ca, 'utf8') : cert,
    };
  }
  return createServingCertificate(dnsNames, ['127.0.0.1']);
}

export async function serveWebhooksFromEnv(kc: k8s.KubeConfig, log: Logger): Promise<void> {
  const port = process.env.OMNICLOUD_WEBHOOK_PORT;
  if (!port) return;
  const dnsNames = (process.env.OMNICLOUD_WEBHOOK_DNS ?? 'localhost').split(',').filter(Boolean);
  let cert = await loadOrCreate(dnsNames);
  const server = await startWebhookServer(Number(port), cert, log, apiQuotaLookup(kc));
  log.info({ port: Number(port), dnsNames }, 'admission webhooks serving');
  const inject = async (): Promise<void> => {
    const name = process.env.OMNICLOUD_WEBHOOK_CONFIGURATION;
    if (!name) return;
    await injectCaBundle(kc, name, cert.caCert).catch((err: unknown) =>
      log.warn(
        { err: String(err), configuration: name },
        'could not inject the webhook CA bundle; retrying at renewal',
      ),
    );
  };
  await inject();
  const timer = setInterval(async () => {
    if (!needsRenewal(cert.cert)) return;
    cert = await loadOrCreate(dnsNames);
    rotateCertificate(server, cert);
    await inject();
    log.info('webhook serving certificate renewed');
  }, 3_600_000);
  timer.unref();
}
