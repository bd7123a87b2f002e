// Starts the webhook server for the operator process when OMNICLOUD_WEBHOOK_PORT is set: with the
// certificate in OMNICLOUD_WEBHOOK_CERT_DIR (tls.crt, tls.key, as cert-manager writes them) when present,
// otherwise with a certificate generated here for OMNICLOUD_WEBHOOK_DNS names, renewed before expiry and
// shared between replicas through the Secret OMNICLOUD_WEBHOOK_CERT_SECRET in OMNICLOUD_NAMESPACE. The CA goes
// into the configurations named OMNICLOUD_WEBHOOK_CONFIGURATION (the chart's); with OMNICLOUD_WEBHOOK_URL set,
// the operator registers those configurations itself at that URL, and removes them when it stops cleanly.
import fs from 'node:fs';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { injectCaBundle } from './ca-bundle.ts';
import { createServingCertificate, type ServingCertificate } from './certs.ts';
import { sharedCertificate } from './cert-secret.ts';
import { rotateCertificate, startWebhookServer } from './server.ts';
import { apiQuotaLookup } from './quota.ts';
import { registerWebhooks, unregisterWebhooks } from './registration.ts';
import { ConfigError } from '../operator/config.ts';

async function loadOrCreate(kc: k8s.KubeConfig, dnsNames: string[]): Promise<ServingCertificate> {
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
  const secret = process.env.OMNICLOUD_WEBHOOK_CERT_SECRET;
  const namespace = process.env.OMNICLOUD_NAMESPACE;
  // Replicas share one certificate through a Secret; without one (a single local process) it stays in memory.
  if (secret && namespace) return sharedCertificate(kc, namespace, secret, dnsNames);
  return createServingCertificate(dnsNames, ['127.0.0.1']);
}

export interface WebhookServing {
  /** Stops serving; an operator that registered its configurations itself removes them first. */
  close(): Promise<void>;
}

export async function serveWebhooksFromEnv(
  kc: k8s.KubeConfig,
  log: Logger,
): Promise<WebhookServing | undefined> {
  const port = process.env.OMNICLOUD_WEBHOOK_PORT;
  if (!port) return undefined;
  const dnsNames = (process.env.OMNICLOUD_WEBHOOK_DNS ?? 'localhost').split(',').filter(Boolean);
  const name = process.env.OMNICLOUD_WEBHOOK_CONFIGURATION;
  // Outside a cluster no Service routes to the operator: given its own URL, it registers the configurations.
  const selfUrl = process.env.OMNICLOUD_WEBHOOK_URL;
  if (selfUrl && !name)
    throw new ConfigError(
      'OMNICLOUD_WEBHOOK_URL needs OMNICLOUD_WEBHOOK_CONFIGURATION, the name to register',
    );
  let cert = await loadOrCreate(kc, dnsNames);
  const server = await startWebhookServer(
    Number(port),
    cert,
    log,
    apiQuotaLookup(kc, process.env.OMNICLOUD_PROVIDER_URL),
  );
  log.info({ port: Number(port), dnsNames }, 'admission webhooks serving');
  const publish = async (): Promise<void> => {
    if (!name) return;
    const done = selfUrl
      ? registerWebhooks(kc, name, selfUrl, cert.caCert)
      : injectCaBundle(kc, name, cert.caCert);
    await done.catch((err: unknown) =>
      log.warn(
        { err: String(err), configuration: name },
        'could not publish the webhook CA bundle; retrying at renewal',
      ),
    );
  };
  await publish();
  if (selfUrl)
    log.info({ configuration: name, url: selfUrl }, 'admission webhooks registered with the API server');
  // Hourly: pick up a certificate another replica renewed, or renew it when it is due.
  const timer = setInterval(async () => {
    try {
      const next = await loadOrCreate(kc, dnsNames);
      if (next.cert === cert.cert) return;
      cert = next;
      rotateCertificate(server, cert);
      await publish();
      log.info('webhook serving certificate renewed');
    } catch (err) {
      log.warn(
        { err: (err as Error).message },
        'could not renew the webhook certificate; retrying in an hour',
      );
    }
  }, 3_600_000);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      if (selfUrl && name) {
        await unregisterWebhooks(kc, name).catch((err: unknown) =>
          log.warn({ err: String(err), configuration: name }, 'could not remove the webhook configurations'),
        );
      }
      await new Promise((r) => server.close(r));
    },
  };
}
