// Serving certificates for the webhook server when cert-manager does not provide them: a private CA and a
// certificate for the Service's DNS names, renewed well before they expire.
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

export interface ServingCertificate {
  caCert: string;
  cert: string;
  key: string;
}

const day = 86_400_000;

export async function createServingCertificate(
  dnsNames: string[],
  ips: string[],
  now = new Date(),
  validDays = 365,
): Promise<ServingCertificate> {
  const notAfterDate = new Date(now.getTime() + validDays * day);
  const ca = await generate([{ name: 'commonName', value: 'omnicloud-webhook-ca' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    curve: 'P-256',
    notBeforeDate: now,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const serving = await generate(
    [{ name: 'commonName', value: dnsNames[0] ?? ips[0] ?? 'omnicloud-webhook' }],
    {
      keyType: 'ec',
      algorithm: 'sha256',
      curve: 'P-256',
      notBeforeDate: now,
      notAfterDate,
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            ...dnsNames.map((value) => ({ type: 2 as const, value })),
            ...ips.map((ip) => ({ type: 7 as const, ip })),
          ],
        },
      ],
    },
  );
  return { caCert: ca.cert, cert: serving.cert, key: serving.private };
}

/** Renew when less than a third of the lifetime, or 30 days, remains, whichever is sooner. */
export function needsRenewal(certPem: string, now = new Date()): boolean {
  const cert = new X509Certificate(certPem);
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  const margin = Math.min((to - from) / 3, 30 * day);
  return to - now.getTime() < margin;
}
