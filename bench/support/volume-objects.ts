// A benchmark's Volume objects: each bound to a volume that already exists at the provider by the
// omnicloud.io/external-name annotation (adoption; management policy Full, deletion policy Delete, drift
// policy revert, all by default); how a watch reads their drift; and all removed at the end through the
// operator, which deletes the volumes at the provider and lets the finalizers go.
import * as k8s from '@kubernetes/client-node';
import { externalNameAnnotation } from '../../crds/schemas/managed.ts';
import type { Volume } from '../../crds/schemas/volume.ts';
import { api, condition } from '../../test/support/infra.ts';
import { httpStatus } from '../../test/support/kube.ts';
import { inFlight } from './in-flight.ts';
import type { Place } from './provider-volumes.ts';

export type VolumeObj = Volume & k8s.KubernetesObject;

/**
 * What a watch marks on a Volume: inSync, Drifted False; drifted, Drifted True (the detection signal);
 * driftShown, that or status.drift.total above 0.
 */
export function volumeMarks(v: VolumeObj): string[] {
  const drifted = condition(v, 'Drifted')?.status;
  const marks: string[] = [];
  if (drifted === 'False') marks.push('inSync');
  if (drifted === 'True') marks.push('drifted');
  if (drifted === 'True' || (v.status?.drift?.total ?? 0) > 0) marks.push('driftShown');
  return marks;
}

/** The Volumes not in sync, tallied by phase and the reasons of their Drifted and Ready conditions. */
export async function notInSync(custom: k8s.CustomObjectsApi, namespace: string): Promise<string> {
  const list = (await custom.listNamespacedCustomObject({ ...api, plural: 'volumes', namespace })) as {
    items: VolumeObj[];
  };
  const tally = new Map<string, number>();
  for (const v of list.items) {
    if (condition(v, 'Drifted')?.status === 'False') continue;
    const key = `${v.status?.phase ?? 'no phase'}, Drifted ${condition(v, 'Drifted')?.reason ?? 'none'}, Ready ${condition(v, 'Ready')?.reason ?? 'none'}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  return [...tally]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, n]) => `${n} x ${k}`)
    .join('; ');
}

/** A Volume that adopts the provider's volume `providerId`, with the spec that volume has. */
export function adoptingVolume(
  namespace: string,
  name: string,
  place: Place,
  providerId: string,
  sizeGiB: number,
): object {
  return {
    apiVersion: 'omnicloud.io/v1alpha1',
    kind: 'Volume',
    metadata: { name, namespace, annotations: { [externalNameAnnotation]: providerId } },
    spec: { ...place, sizeGiB, type: 'standard' },
  };
}

/** How many Volumes the namespace holds, from one list of one item. */
export async function countVolumes(custom: k8s.CustomObjectsApi, namespace: string): Promise<number> {
  const list = (await custom.listNamespacedCustomObject({
    ...api,
    plural: 'volumes',
    namespace,
    limit: 1,
  })) as {
    items: unknown[];
    metadata?: { remainingItemCount?: number };
  };
  return list.items.length + (list.metadata?.remainingItemCount ?? 0);
}

/**
 * Deletes the Volumes `names` of the namespace and waits up to `timeoutMs` for the operator to delete their
 * volumes and let them go. Past it, the finalizers of what is left are removed so the namespace can go; the
 * volumes those objects held stay at the provider for a sweep. One delete per object, several in flight: a
 * deletecollection of 10,000 objects outlives the API server's request timeout (504) part way through.
 */
export async function removeVolumes(
  kc: k8s.KubeConfig,
  namespace: string,
  names: readonly string[],
  timeoutMs: number,
  log: (msg: string) => void,
): Promise<void> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const start = performance.now();
  let refused = 0;
  await inFlight(names.length, 32, async (i) => {
    try {
      await custom.deleteNamespacedCustomObject({ ...api, plural: 'volumes', namespace, name: names[i]! });
    } catch (err) {
      // 404: never created, or gone already. Anything else is left to the wait below and its fallback.
      if (httpStatus(err) !== 404) refused++;
    }
  });
  log(
    `${names.length} Volume deletes sent in ${Math.round((performance.now() - start) / 1000)} s` +
      (refused > 0 ? `, ${refused} refused` : ''),
  );
  let lastLog = start;
  for (;;) {
    const left = await countVolumes(custom, namespace);
    if (left === 0) {
      log(`every Volume deleted in ${Math.round((performance.now() - start) / 1000)} s`);
      return;
    }
    if (performance.now() - start > timeoutMs) break;
    if (performance.now() - lastLog > 15_000) {
      lastLog = performance.now();
      log(`${left} Volumes still being deleted`);
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
  const list = (await custom.listNamespacedCustomObject({ ...api, plural: 'volumes', namespace })) as {
    items: k8s.KubernetesObject[];
  };
  log(
    `${list.items.length} Volumes not deleted after ${timeoutMs / 1000} s: removing their finalizers; ` +
      'their volumes are swept at the provider, their infra_db rows stay as they are',
  );
  for (const v of list.items) {
    await custom
      .patchNamespacedCustomObject(
        {
          ...api,
          plural: 'volumes',
          namespace,
          name: v.metadata!.name!,
          body: { metadata: { finalizers: null } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(() => undefined);
  }
}

/** The operator's writes to each Volume of the namespace (object, status or finalizers), by Volume name. */
export function writesByVolume(
  requests: readonly { verb: string; resource: string }[],
  namespace: string,
): Map<string, number> {
  const out = new Map<string, number>();
  const prefix = `${api.group}/volumes/`;
  for (const r of requests) {
    if (!['create', 'update', 'patch', 'delete'].includes(r.verb) || !r.resource.startsWith(prefix)) continue;
    const [ns, name] = r.resource.split('/').slice(-2);
    if (ns === namespace && name) out.set(name, (out.get(name) ?? 0) + 1);
  }
  return out;
}
