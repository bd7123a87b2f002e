// Writes an object's status through the status subresource, by merge patch with a fixed field manager,
// only when it differs from what the server holds, and guarded by the resourceVersion it was computed from
// (a concurrent change makes it fail with 409 and the reconcile run again) unless a caller opts out.
import * as k8s from '@kubernetes/client-node';
import { statusChanged } from './conditions.ts';
import { keepSynced } from './synced.ts';
import { groupVersion } from './finalizer.ts';
import type { ResourceRef } from './informer.ts';

export const fieldManager = 'omnicloud-operator';

export async function writeStatus(
  kc: k8s.KubeConfig,
  ref: ResourceRef,
  obj: k8s.KubernetesObject & { status?: unknown },
  status: object,
  opts: {
    optimistic?: boolean;
    /** Given the object as the server holds it after the write (see ReconcileContext.wrote). */
    written?: (obj: k8s.KubernetesObject) => void;
  } = {},
): Promise<boolean> {
  status = keepSynced(obj.status, status);
  if (!statusChanged(obj.status, status)) return false;
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const { group, version } = groupVersion(ref);
  const options = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  // Merge patch replaces lists whole, which is what conditions need; null removes fields we no longer set.
  const current = (obj.status ?? {}) as Record<string, unknown>;
  const body: Record<string, unknown> = { ...status };
  for (const key of Object.keys(current)) if (!(key in body)) body[key] = null;
  const request = {
    group,
    version,
    plural: ref.plural,
    name: obj.metadata!.name!,
    // Optimistic: the write carries the resourceVersion read, so a concurrent change makes it fail with 409
    // (and the reconcile runs again on fresh state) instead of being overwritten.
    body:
      (opts.optimistic ?? true)
        ? { metadata: { resourceVersion: obj.metadata!.resourceVersion }, status: body }
        : { status: body },
    fieldManager,
  };
  const patched: unknown = ref.namespaced
    ? await api.patchNamespacedCustomObjectStatus(
        { ...request, namespace: obj.metadata!.namespace! },
        options,
      )
    : await api.patchClusterCustomObjectStatus(request, options);
  opts.written?.(patched as k8s.KubernetesObject);
  return true;
}

/** Server-side applies `obj` (a child object) as the operator's field manager. */
export async function applyObject<T extends k8s.KubernetesObject>(kc: k8s.KubeConfig, obj: T): Promise<T> {
  const api = kc.makeApiClient(k8s.KubernetesObjectApi);
  return api.patch(obj, undefined, undefined, fieldManager, true, k8s.PatchStrategy.ServerSideApply);
}
