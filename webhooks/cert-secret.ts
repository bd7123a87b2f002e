// One serving certificate for every replica: the first replica to start generates it and stores it in a
// Secret; the others (and restarts) read it from there, so all replicas present the CA that was injected
// into the webhook configurations. Renewal replaces the Secret with an optimistic-concurrency update, so
// when two replicas renew at once one wins and the other adopts its certificate.
import * as k8s from '@kubernetes/client-node';
import { createServingCertificate, needsRenewal, type ServingCertificate } from './certs.ts';

const httpCode = (err: unknown): number | undefined => (err as { code?: number }).code;

function fromSecret(secret: k8s.V1Secret): ServingCertificate | undefined {
  const d = secret.data ?? {};
  if (!d['tls.crt'] || !d['tls.key'] || !d['ca.crt']) return undefined;
  const text = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  return { cert: text(d['tls.crt']), key: text(d['tls.key']), caCert: text(d['ca.crt']) };
}

function toData(c: ServingCertificate): Record<string, string> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return { 'tls.crt': b64(c.cert), 'tls.key': b64(c.key), 'ca.crt': b64(c.caCert) };
}

/** The shared certificate, created or renewed as needed. */
export async function sharedCertificate(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  dnsNames: string[],
  now = new Date(),
): Promise<ServingCertificate> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  for (let attempt = 0; attempt < 5; attempt++) {
    let existing: k8s.V1Secret | undefined;
    try {
      existing = await core.readNamespacedSecret({ name, namespace });
    } catch (err) {
      if (httpCode(err) !== 404) throw err;
    }
    const current = existing ? fromSecret(existing) : undefined;
    if (current && !needsRenewal(current.cert, now)) return current;
    const fresh = await createServingCertificate(dnsNames, ['127.0.0.1'], now);
    const body: k8s.V1Secret = {
      metadata: {
        name,
        namespace,
        labels: { 'app.kubernetes.io/managed-by': 'omnicloud-operator' },
        resourceVersion: existing?.metadata?.resourceVersion,
      },
      type: 'kubernetes.io/tls',
      data: toData(fresh),
    };
    try {
      if (existing) await core.replaceNamespacedSecret({ name, namespace, body });
      else await core.createNamespacedSecret({ namespace, body });
      return fresh;
    } catch (err) {
      // Another replica created or renewed it first: read again and use theirs.
      if (httpCode(err) !== 409) throw err;
    }
  }
  throw new Error(
    `could not agree on the webhook certificate in Secret ${namespace}/${name} after 5 attempts`,
  );
}
