// Restores a snapshot's desired state: each object's spec, labels and annotations server-side applied with
// our own field manager (forced: a restore is the owner's explicit word), after a plan against what the API
// server holds now. A dry run computes the plan and applies nothing.
import * as k8s from '@kubernetes/client-node';
import { group, version } from '../../crds/schemas/common.ts';
import { kinds } from '../../crds/schemas/index.ts';
import type { StateSnapshot } from './document.ts';
import { applyBody, restorePlan, type LiveObject, type PlanEntry, type RestorePlan } from './plan.ts';

export const restoreFieldManager = 'omnicloud-state-restore';

async function liveObjects(
  kc: k8s.KubeConfig,
  namespaces: string[],
  kindNames: Set<string>,
): Promise<LiveObject[]> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const out: LiveObject[] = [];
  for (const kind of kinds.filter((k) => k.scope === 'Namespaced' && kindNames.has(k.kind))) {
    for (const namespace of namespaces) {
      const list = (await api.listNamespacedCustomObject({
        group,
        version,
        namespace,
        plural: kind.plural,
      })) as {
        items?: LiveObject[];
      };
      for (const item of list.items ?? []) out.push({ ...item, kind: kind.kind });
    }
  }
  return out;
}

/** The API server's own words for a refusal (its Status message), else the error. */
function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body !== 'string') return String(err);
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}

export async function planRestore(kc: k8s.KubeConfig, snapshot: StateSnapshot): Promise<RestorePlan> {
  const kindNames = new Set(snapshot.objects.map((o) => o.kind));
  return restorePlan(snapshot.objects, await liveObjects(kc, snapshot.namespaces, kindNames));
}

export interface RestoreResult {
  plan: RestorePlan;
  applied: PlanEntry[];
  failed: { entry: PlanEntry; error: string }[];
}

/** Applies every create and update of the plan; an object refused (say, by admission) is reported, not fatal. */
export async function restoreSnapshot(kc: k8s.KubeConfig, snapshot: StateSnapshot): Promise<RestoreResult> {
  const plan = await planRestore(kc, snapshot);
  const api = kc.makeApiClient(k8s.KubernetesObjectApi);
  const byKey = new Map(
    snapshot.objects.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]),
  );
  const applied: PlanEntry[] = [];
  const failed: RestoreResult['failed'] = [];
  for (const entry of plan.entries) {
    if (entry.action === 'unchanged') continue;
    const obj = byKey.get(`${entry.kind}/${entry.namespace}/${entry.name}`)!;
    try {
      await api.patch(
        applyBody(obj) as k8s.KubernetesObject,
        undefined,
        undefined,
        restoreFieldManager,
        true,
        k8s.PatchStrategy.ServerSideApply,
      );
      applied.push(entry);
    } catch (err) {
      failed.push({ entry, error: apiMessage(err) });
    }
  }
  return { plan, applied, failed };
}
