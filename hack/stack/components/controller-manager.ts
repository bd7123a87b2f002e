// kube-controller-manager for the local control plane, so that namespace deletion, garbage collection of
// owner-referenced objects, service-account tokens and ResourceQuota usage really happen.
import https from 'node:https';
import path from 'node:path';
import type { Component, ComponentStatus } from '../component.ts';
import { host, ports, stateDir, versions } from '../config.ts';
import { binary, ensureControlPlaneBinaries } from '../build.ts';
import { ensureClientKubeconfig, pki } from '../pki.ts';
import { readPid, isAlive, startDaemon, stopDaemon, waitUntil, step } from '../process.ts';
import { serviceClusterIpRange } from './apiserver.ts';

const kubeconfig = path.join(stateDir, 'kubeconfig', 'controller-manager.kubeconfig');
const address = `https://${host}:${ports.controllerManager}`;

function healthz(): Promise<boolean> {
  // The controller manager serves /healthz without authentication, on its own self-signed certificate.
  return new Promise((resolve) => {
    const req = https.get(`${address}/healthz`, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export const controllerManagerComponent: Component = {
  name: 'kube-controller-manager',
  async prepare() {
    await ensureControlPlaneBinaries();
    await ensureClientKubeconfig('controller-manager', 'system:kube-controller-manager', [], kubeconfig);
  },
  async start() {
    const pid = readPid('kube-controller-manager');
    if (pid && isAlive(pid) && (await healthz())) return;
    step(`starting kube-controller-manager (healthz on ${address})`);
    const started = startDaemon({
      name: 'kube-controller-manager',
      command: binary('kube-controller-manager'),
      args: [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        `--bind-address=${host}`,
        `--secure-port=${ports.controllerManager}`,
        '--controllers=*',
        '--use-service-account-credentials=true',
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.caCert}`,
        `--cluster-signing-cert-file=${pki.caCert}`,
        `--cluster-signing-key-file=${pki.caKey}`,
        `--service-cluster-ip-range=${serviceClusterIpRange}`,
        '--leader-elect=false',
        // Quicker namespace and quota turnaround than the production defaults, for a development stack.
        '--concurrent-namespace-syncs=5',
        '--resource-quota-sync-period=30s',
        '--v=1',
      ],
    });
    await waitUntil('kube-controller-manager', healthz, 60_000, started);
  },
  async stop() {
    await stopDaemon('kube-controller-manager');
  },
  async status(): Promise<ComponentStatus> {
    const answering = await healthz();
    const pid = readPid('kube-controller-manager');
    return {
      name: 'kube-controller-manager',
      version: `v${versions.kubernetes}`,
      address,
      answering,
      detail: pid && isAlive(pid) ? `pid ${pid}` : undefined,
    };
  },
};
