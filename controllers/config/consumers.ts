// Consumers that opt in to restart on a change: Deployments in the ConfigSet's namespace annotated
// omnicloud.io/config-set: <name> get the current hash on their pod template, so a new version rolls them.
// Level-based and idempotent: a Deployment already stamped with the hash is left alone.
import * as k8s from '@kubernetes/client-node';
import { configHashAnnotation, configVersionAnnotation } from './configmap.ts';

/** The annotation by which a Deployment names the ConfigSet it follows. */
export const consumerAnnotation = 'omnicloud.io/config-set';

/** The Deployments that follow `name` and do not carry `hash` on their pod template yet. Pure. */
export function unstamped(
  deployments: readonly k8s.V1Deployment[],
  name: string,
  hash: string,
): k8s.V1Deployment[] {
  return deployments.filter(
    (d) =>
      d.metadata?.annotations?.[consumerAnnotation] === name &&
      d.spec?.template?.metadata?.annotations?.[configHashAnnotation] !== hash,
  );
}

/** Stamps the version and hash on each following Deployment's pod template; returns the names stamped. */
export async function stampConsumers(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  version: number,
  hash: string,
): Promise<string[]> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const { items } = await apps.listNamespacedDeployment({ namespace });
  const stamped: string[] = [];
  for (const d of unstamped(items, name, hash)) {
    await apps.patchNamespacedDeployment(
      {
        namespace,
        name: d.metadata!.name!,
        body: {
          spec: {
            template: {
              metadata: {
                annotations: { [configVersionAnnotation]: String(version), [configHashAnnotation]: hash },
              },
            },
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    stamped.push(d.metadata!.name!);
  }
  return stamped;
}
