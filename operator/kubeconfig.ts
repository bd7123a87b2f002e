// How the operator finds its cluster, as every Kubernetes client does: the kubeconfig named by KUBECONFIG
// (or ~/.kube/config) when there is one, otherwise the pod's service account (KUBERNETES_SERVICE_HOST and
// _PORT with the mounted token and CA, re-read as the kubelet rotates them). OMNICLOUD_SERVICE_ACCOUNT_ROOT
// puts a prefix before /var/run/secrets/..., which lets the chart's identity be exercised outside a pod.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { ConfigError } from './config.ts';
import { reuseConnections } from './connections.ts';

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * A KubeConfig whose every API request (not watches, which carry their own signal) ends after `timeoutMs`
 * unless the caller gave it a signal of its own, so a connection that hangs never holds a caller forever.
 */
export class BoundedKubeConfig extends k8s.KubeConfig {
  constructor(readonly timeoutMs: number) {
    super();
    reuseConnections(this);
  }

  override async applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(this.timeoutMs));
  }
}

export interface ClusterConfig {
  kc: k8s.KubeConfig;
  source: 'kubeconfig' | 'in-cluster';
  server: string;
}

/** Reads the process's environment; throws a ConfigError saying what is missing. */
export function loadKubeConfig(requestTimeoutMs = 30_000): ClusterConfig {
  const env = process.env;
  const kc = new BoundedKubeConfig(requestTimeoutMs);
  const named = env.KUBECONFIG?.split(path.delimiter).filter(Boolean) ?? [];
  const home = path.join(env.HOME ?? os.homedir(), '.kube', 'config');
  const files = named.length > 0 ? named : fs.existsSync(home) ? [home] : [];
  if (files.length > 0) {
    const missing = files.find((f) => !fs.existsSync(f));
    if (missing) throw new ConfigError(`KUBECONFIG names ${missing}, which does not exist`);
    kc.loadFromFile(files[0]!);
    for (const file of files.slice(1)) {
      const more = new k8s.KubeConfig();
      more.loadFromFile(file);
      kc.mergeConfig(more);
    }
    return { kc, source: 'kubeconfig', server: kc.getCurrentCluster()?.server ?? '' };
  }
  const root = env.OMNICLOUD_SERVICE_ACCOUNT_ROOT ?? '';
  const token = path.join(root, serviceAccountDir, 'token');
  if (!env.KUBERNETES_SERVICE_HOST || !fs.existsSync(token)) {
    throw new ConfigError(
      'no Kubernetes configuration: set KUBECONFIG, or run in a pod (KUBERNETES_SERVICE_HOST and a ' +
        `service-account token at ${token})`,
    );
  }
  kc.loadFromCluster(root);
  return { kc, source: 'in-cluster', server: kc.getCurrentCluster()?.server ?? '' };
}
