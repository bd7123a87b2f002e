// One finalizer helper, as kube-rs does it: the reconciler gets "apply" or "cleanup". The finalizer is added
// (and held by the server) before anything outside the cluster is created; it is removed with a JSON patch
// whose `test` op checks the list is unchanged, so another controller's finalizer is never dropped.
import * as k8s from '@kubernetes/client-node';
import type { ResourceRef } from './informer.ts';

export type FinalizerEvent = 'add-finalizer' | 'apply' | 'cleanup' | 'gone';

/** Pure: what to do with an object given its finalizers and deletion state. */
export function finalizerDecision(obj: k8s.KubernetesObject, finalizer: string): FinalizerEvent {
  const present = obj.metadata?.finalizers?.includes(finalizer) ?? false;
  if (obj.metadata?.deletionTimestamp) return present ? 'cleanup' : 'gone';
  return present ? 'apply' : 'add-finalizer';
}

export function groupVersion(ref: ResourceRef): { group: string; version: string } {
  const [group, version] = ref.apiVersion.includes('/') ? ref.apiVersion.split('/') : ['', ref.apiVersion];
  return { group: group!, version: version! };
}

async function jsonPatch(
  kc: k8s.KubeConfig,
  ref: ResourceRef,
  obj: k8s.KubernetesObject,
  ops: object[],
): Promise<k8s.KubernetesObject> {
  const { group, version } = groupVersion(ref);
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const options = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
  const name = obj.metadata!.name!;
  const patched: unknown = ref.namespaced
    ? await api.patchNamespacedCustomObject(
        { group, version, plural: ref.plural, namespace: obj.metadata!.namespace!, name, body: ops },
        options,
      )
    : await api.patchClusterCustomObject({ group, version, plural: ref.plural, name, body: ops }, options);
  return patched as k8s.KubernetesObject;
}

/** Adds the finalizer and returns the object as the server now holds it. */
export async function addFinalizer<T extends k8s.KubernetesObject>(
  kc: k8s.KubeConfig,
  ref: ResourceRef,
  obj: T,
  finalizer: string,
): Promise<T> {
  const current = obj.metadata?.finalizers;
  const ops = current
    ? [
        { op: 'test', path: '/metadata/finalizers', value: current },
        { op: 'add', path: '/metadata/finalizers/-', value: finalizer },
      ]
    : [
        { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata?.resourceVersion },
        { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
      ];
  return (await jsonPatch(kc, ref, obj, ops)) as T;
}

export async function removeFinalizer(
  kc: k8s.KubeConfig,
  ref: ResourceRef,
  obj: k8s.KubernetesObject,
  finalizer: string,
): Promise<void> {
  const current = obj.metadata?.finalizers ?? [];
  const index = current.indexOf(finalizer);
  if (index < 0) return;
  await jsonPatch(kc, ref, obj, [
    { op: 'test', path: `/metadata/finalizers/${index}`, value: finalizer },
    { op: 'remove', path: `/metadata/finalizers/${index}` },
  ]);
}
