// Which changes of a watched object deserve a reconcile. A controller's own status writes bump only the
// resourceVersion, so waking on them would reconcile every object once more after each reconcile; a change
// of spec (generation), labels, annotations, finalizers, owner references or deletion does wake it, as does
// an object with no generation (kinds without a status subresource bump nothing else).
import type * as k8s from '@kubernetes/client-node';

/** What of an object, when it changes, calls for a reconcile. */
export function reconcileFingerprint(obj: k8s.KubernetesObject): string {
  const m = obj.metadata ?? {};
  if (m.generation === undefined) return `rv:${m.resourceVersion ?? ''}`;
  return JSON.stringify([
    m.generation,
    m.labels ?? {},
    m.annotations ?? {},
    m.finalizers ?? [],
    m.ownerReferences ?? [],
    m.deletionTimestamp ?? null,
  ]);
}

/** Remembers each object's last fingerprint by key; says whether a new sighting changed it. */
export class ChangeFilter {
  private readonly seen = new Map<string, string>();

  changed(key: string, obj: k8s.KubernetesObject): boolean {
    const next = reconcileFingerprint(obj);
    if (this.seen.get(key) === next) return false;
    this.seen.set(key, next);
    return true;
  }

  forget(key: string): void {
    this.seen.delete(key);
  }
}
