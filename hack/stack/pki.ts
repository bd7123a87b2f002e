// The local control plane's certificate authority: serving and client certificates, service-account keys,
// and kubeconfigs for the admin and for any user an RBAC test needs. Uses the openssl command line.
import fs from 'node:fs';
import path from 'node:path';
import { host, pkiDir, ports, stateDir } from './config.ts';
import { execFileAsync } from './process.ts';

const caKey = path.join(pkiDir, 'ca.key');
const caCert = path.join(pkiDir, 'ca.crt');

export const pki = {
  caCert,
  caKey,
  apiserverCert: path.join(pkiDir, 'apiserver.crt'),
  apiserverKey: path.join(pkiDir, 'apiserver.key'),
  frontProxyCert: path.join(pkiDir, 'front-proxy-client.crt'),
  frontProxyKey: path.join(pkiDir, 'front-proxy-client.key'),
  serviceAccountKey: path.join(pkiDir, 'sa.key'),
  serviceAccountPub: path.join(pkiDir, 'sa.pub'),
};

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd: pkiDir });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

async function rsaKey(file: string): Promise<void> {
  await openssl(['genrsa', '-out', file, '2048']);
  fs.chmodSync(file, 0o600);
}

/** Signs a certificate for `subject` with the CA; `extensions` is an openssl extension section body. */
async function signed(name: string, subject: string, extensions: string, days = 3650): Promise<void> {
  const key = path.join(pkiDir, `${name}.key`);
  const csr = path.join(pkiDir, `${name}.csr`);
  const ext = path.join(pkiDir, `${name}.ext`);
  await rsaKey(key);
  await openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  fs.writeFileSync(ext, extensions);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caCert,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    path.join(pkiDir, `${name}.crt`),
    '-days',
    String(days),
    '-sha256',
    '-extfile',
    ext,
  ]);
  fs.rmSync(csr);
  fs.rmSync(ext);
}

const clientExt =
  'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';

/** Creates whatever part of the PKI is missing; an existing CA is kept so issued credentials stay valid. */
export async function ensurePki(): Promise<void> {
  fs.mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(caCert)) {
    await rsaKey(caKey);
    await openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      caKey,
      '-subj',
      '/CN=omnicloud-local-ca',
      '-days',
      '3650',
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      caCert,
    ]);
  }
  if (!fs.existsSync(pki.apiserverCert)) {
    const sans = [
      'IP:127.0.0.1',
      'IP:10.0.0.1',
      'DNS:localhost',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
    ].join(',');
    await signed(
      'apiserver',
      '/CN=kube-apiserver',
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`,
    );
  }
  if (!fs.existsSync(pki.frontProxyCert))
    await signed('front-proxy-client', '/CN=front-proxy-client', clientExt);
  if (!fs.existsSync(pki.serviceAccountKey)) {
    await rsaKey(pki.serviceAccountKey);
    await openssl(['rsa', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub]);
  }
}

function subjectFor(user: string, groups: string[]): string {
  const esc = (s: string): string => s.replace(/[/\\=+,]/g, (c) => `\\${c}`);
  return `/CN=${esc(user)}${groups.map((g) => `/O=${esc(g)}`).join('')}`;
}

function b64(file: string): string {
  return fs.readFileSync(file).toString('base64');
}

/** A kubeconfig (YAML text) for a client-certificate user of the local API server. */
function kubeconfigText(user: string, certFile: string, keyFile: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: omnicloud-local',
    '  cluster:',
    `    server: https://${host}:${ports.apiserver}`,
    `    certificate-authority-data: ${b64(caCert)}`,
    'users:',
    `- name: ${JSON.stringify(user)}`,
    '  user:',
    `    client-certificate-data: ${b64(certFile)}`,
    `    client-key-data: ${b64(keyFile)}`,
    'contexts:',
    '- name: omnicloud-local',
    '  context:',
    '    cluster: omnicloud-local',
    `    user: ${JSON.stringify(user)}`,
    'current-context: omnicloud-local',
    '',
  ].join('\n');
}

/** Ensures a long-lived client certificate `<name>.crt`/`<name>.key` and a kubeconfig `<name>.kubeconfig` exist. */
export async function ensureClientKubeconfig(
  name: string,
  user: string,
  groups: string[],
  file: string,
): Promise<void> {
  await ensurePki();
  const cert = path.join(pkiDir, `${name}.crt`);
  if (!fs.existsSync(cert)) await signed(name, subjectFor(user, groups), clientExt);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, kubeconfigText(user, cert, path.join(pkiDir, `${name}.key`)), { mode: 0o600 });
}

export function clientCredentials(name: string): { cert: Buffer; key: Buffer; ca: Buffer } {
  return {
    cert: fs.readFileSync(path.join(pkiDir, `${name}.crt`)),
    key: fs.readFileSync(path.join(pkiDir, `${name}.key`)),
    ca: fs.readFileSync(caCert),
  };
}

/**
 * Mints a client certificate for `user` in `groups`, signed by the local CA, and writes a kubeconfig for it.
 * Returns the kubeconfig's path. Used for the admin, the controller manager and RBAC tests.
 */
export async function mintKubeconfig(user: string, groups: string[] = [], file?: string): Promise<string> {
  await ensurePki();
  const dir = path.join(stateDir, 'kubeconfig');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const safe = user.replace(/[^A-Za-z0-9_.-]/g, '_');
  const name = `user-${safe}-${process.pid}-${Date.now()}`;
  await signed(name, subjectFor(user, groups), clientExt, 365);
  const target = file ?? path.join(dir, `${safe}.kubeconfig`);
  fs.writeFileSync(
    target,
    kubeconfigText(user, path.join(pkiDir, `${name}.crt`), path.join(pkiDir, `${name}.key`)),
    {
      mode: 0o600,
    },
  );
  fs.rmSync(path.join(pkiDir, `${name}.crt`));
  fs.rmSync(path.join(pkiDir, `${name}.key`));
  return target;
}
