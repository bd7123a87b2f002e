// A ServiceAccount bound to a ClusterRole and a kubeconfig that authenticates with its bearer token, so a test
// can run the operator with a credential of the kind it has in a pod and look for that credential afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';

export interface TokenIdentity {
  kubeconfig: string;
  token: string;
  remove(): Promise<void>;
}

export async function serviceAccountKubeconfig(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  clusterRole: string,
): Promise<TokenIdentity> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name, namespace } } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const request = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`no token issued for ServiceAccount ${namespace}/${name}`);
  const cluster = kc.getCurrentCluster()!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnicloud-sa-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'cluster',
        cluster: {
          server: cluster.server,
          'certificate-authority-data': cluster.caData,
          'certificate-authority': cluster.caFile,
        },
      },
    ],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: 'cluster', user: name } }],
    'current-context': name,
  };
  fs.writeFileSync(kubeconfig, JSON.stringify(config), { mode: 0o600 });
  return {
    kubeconfig,
    token,
    async remove() {
      fs.rmSync(dir, { recursive: true, force: true });
      await rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
      await core.deleteNamespacedServiceAccount({ name, namespace }).catch(() => undefined);
    },
  };
}
