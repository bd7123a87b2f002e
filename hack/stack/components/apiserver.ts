// kube-apiserver for the local control plane: secure serving with the local CA, RBAC, service-account keys,
// and the admin kubeconfig written to a known path.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { Component, ComponentStatus } from '../component.ts';
import { host, kubeconfigPath, logDir, ports, stateDir, versions } from '../config.ts';
import { binary, ensureControlPlaneBinaries } from '../build.ts';
import { clientCredentials, ensureClientKubeconfig, ensurePki, pki } from '../pki.ts';
import { readPid, isAlive, startDaemon, stopDaemon, waitUntil, step } from '../process.ts';

export const apiserverUrl = `https://${host}:${ports.apiserver}`;
export const serviceClusterIpRange = '10.0.0.0/24';

/** GETs a path on the API server as the local admin. */
export function adminGet(urlPath: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  const creds = clientCredentials('admin');
  return new Promise((resolve, reject) => {
    const req = https.get(`${apiserverUrl}${urlPath}`, { ...creds, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function ready(): Promise<boolean> {
  return (await adminGet('/readyz')).status === 200;
}

export async function ensureAdminKubeconfig(): Promise<void> {
  await ensureClientKubeconfig('admin', 'omnicloud-admin', ['system:masters'], kubeconfigPath);
}

/**
 * The API server's audit log: every request of a service account outside kube-system, at Metadata level (who,
 * what, the response code), so a test can show that the operator running as the chart's ServiceAccount was
 * never refused. The controller-manager's own service accounts are left out to keep it small.
 */
export const auditLogPath = path.join(logDir, 'kube-apiserver-audit.log');
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    userGroups: ["system:serviceaccounts:kube-system"]
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
  - level: None
`;

export const apiserverComponent: Component = {
  name: 'kube-apiserver',
  async prepare() {
    await ensureControlPlaneBinaries();
    await ensurePki();
    await ensureAdminKubeconfig();
  },
  async start() {
    if (await ready().catch(() => false)) return;
    const certDir = path.join(stateDir, 'apiserver');
    fs.mkdirSync(certDir, { recursive: true, mode: 0o700 });
    const policyFile = path.join(certDir, 'audit-policy.yaml');
    fs.writeFileSync(policyFile, auditPolicy);
    step(`starting kube-apiserver on ${apiserverUrl}`);
    const pid = startDaemon({
      name: 'kube-apiserver',
      command: binary('kube-apiserver'),
      args: [
        `--etcd-servers=http://${host}:${ports.etcd}`,
        '--etcd-prefix=/omnicloud-registry',
        `--bind-address=${host}`,
        `--advertise-address=${host}`,
        `--secure-port=${ports.apiserver}`,
        `--cert-dir=${certDir}`,
        `--tls-cert-file=${pki.apiserverCert}`,
        `--tls-private-key-file=${pki.apiserverKey}`,
        `--client-ca-file=${pki.caCert}`,
        // Aggregated APIs and the controller manager's delegated authentication read the front-proxy settings.
        `--requestheader-client-ca-file=${pki.caCert}`,
        '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-username-headers=X-Remote-User',
        '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        `--proxy-client-cert-file=${pki.frontProxyCert}`,
        `--proxy-client-key-file=${pki.frontProxyKey}`,
        '--authorization-mode=RBAC',
        '--anonymous-auth=false',
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--api-audiences=https://kubernetes.default.svc.cluster.local',
        `--service-cluster-ip-range=${serviceClusterIpRange}`,
        '--allow-privileged=true',
        '--profiling=false',
        '--v=1',
        `--audit-policy-file=${policyFile}`,
        `--audit-log-path=${auditLogPath}`,
        '--audit-log-format=json',
        '--audit-log-maxsize=50',
        '--audit-log-maxbackup=1',
      ],
    });
    await waitUntil('kube-apiserver', ready, 120_000, pid);
  },
  async stop() {
    await stopDaemon('kube-apiserver');
  },
  async status(): Promise<ComponentStatus> {
    let answering: boolean;
    let version: string = `v${versions.kubernetes}`;
    try {
      answering = await ready();
      const v = JSON.parse((await adminGet('/version')).body) as { gitVersion?: string };
      version = v.gitVersion ?? version;
    } catch {
      answering = false;
    }
    const pid = readPid('kube-apiserver');
    return {
      name: 'kube-apiserver',
      version,
      address: apiserverUrl,
      answering,
      detail:
        pid && isAlive(pid) ? `pid ${pid}; kubeconfig ${kubeconfigPath}` : `kubeconfig ${kubeconfigPath}`,
    };
  },
};
