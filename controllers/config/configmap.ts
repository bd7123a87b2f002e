// The ConfigMap a ConfigSet delivers to its consumers: built by a pure function (data, the flags as JSON, the
// version and hash as annotations, the operator's label and the ConfigSet as its controlling owner), and
// read, written, let go and deleted through the API server. It is only ever written in the ConfigSet's own
// namespace, and never when another owner holds it.
import * as k8s from '@kubernetes/client-node';
import { managedByLabel, managerName } from '../tenant/children.ts';
import { configMapData, type ConfigContent } from './content.ts';

export const configVersionAnnotation = 'omnicloud.io/config-version';
export const configHashAnnotation = 'omnicloud.io/config-hash';
export const configSetLabel = 'omnicloud.io/config-set';

/** What drift compares: the ConfigMap's data and the two annotations that name its version. */
export interface ConfigMapState {
  data: Record<string, string>;
  version: string;
  hash: string;
}

export interface Owner {
  name: string;
  uid: string;
}

export interface Delivered {
  namespace: string;
  name: string;
  version: number;
  hash: string;
  content: ConfigContent;
}

const httpCode = (err: unknown): number | undefined => (err as { code?: number }).code;

/** A ConfigMap held by something other than this ConfigSet: it is never overwritten or deleted. */
export class ConfigMapNotOwned extends Error {}

export function desiredConfigMapState(d: Pick<Delivered, 'version' | 'hash' | 'content'>): ConfigMapState {
  return { data: configMapData(d.content), version: String(d.version), hash: d.hash };
}

export function observedConfigMapState(cm: k8s.V1ConfigMap): ConfigMapState {
  const a = cm.metadata?.annotations ?? {};
  return {
    data: { ...(cm.data ?? {}) },
    version: a[configVersionAnnotation] ?? '',
    hash: a[configHashAnnotation] ?? '',
  };
}

export function ownerReference(owner: Owner): k8s.V1OwnerReference {
  return {
    apiVersion: 'omnicloud.io/v1alpha1',
    kind: 'ConfigSet',
    name: owner.name,
    uid: owner.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export const isOwnedBy = (cm: k8s.V1ConfigMap, uid: string): boolean =>
  (cm.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.controller === true);

/**
 * The ConfigMap as this version makes it, keeping what others put in its metadata (labels, annotations,
 * other owners' references) beside the operator's. Pure.
 */
export function buildConfigMap(d: Delivered, owner: Owner, current?: k8s.V1ConfigMap): k8s.V1ConfigMap {
  const meta = current?.metadata ?? {};
  const others = (meta.ownerReferences ?? []).filter((r) => r.uid !== owner.uid);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: d.name,
      namespace: d.namespace,
      ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
      labels: { ...(meta.labels ?? {}), [managedByLabel]: managerName, [configSetLabel]: owner.name },
      annotations: {
        ...(meta.annotations ?? {}),
        [configVersionAnnotation]: String(d.version),
        [configHashAnnotation]: d.hash,
      },
      ownerReferences: [...others, ownerReference(owner)],
    },
    data: configMapData(d.content),
  };
}

export async function readConfigMap(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
): Promise<k8s.V1ConfigMap | undefined> {
  try {
    return await kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ namespace, name });
  } catch (err) {
    if (httpCode(err) === 404) return undefined;
    throw err;
  }
}

function notOwned(d: { namespace: string; name: string }, owner: Owner): ConfigMapNotOwned {
  return new ConfigMapNotOwned(
    `ConfigMap ${d.namespace}/${d.name} exists and is not this ConfigSet's (${owner.name}); it is left alone. ` +
      'Delete it, or name another with spec.configMapName',
  );
}

/**
 * Writes the version to the ConfigMap: created when missing, replaced whole when it is ours (so keys added
 * behind our back go too), guarded by the resourceVersion read. Idempotent: writing the same version twice
 * leaves the same ConfigMap.
 */
export async function writeConfigMap(kc: k8s.KubeConfig, d: Delivered, owner: Owner): Promise<void> {
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const current = await readConfigMap(kc, d.namespace, d.name);
  if (!current) {
    await api.createNamespacedConfigMap({ namespace: d.namespace, body: buildConfigMap(d, owner) });
    return;
  }
  if (!isOwnedBy(current, owner.uid)) throw notOwned(d, owner);
  await api.replaceNamespacedConfigMap({
    namespace: d.namespace,
    name: d.name,
    body: buildConfigMap(d, owner, current),
  });
}

/** Deletes the ConfigMap if it is this ConfigSet's; one that is gone, or another's, is left as it is. */
export async function deleteConfigMap(
  kc: k8s.KubeConfig,
  at: { namespace: string; name: string },
  owner: Owner,
): Promise<void> {
  const current = await readConfigMap(kc, at.namespace, at.name);
  if (!current || !isOwnedBy(current, owner.uid)) return;
  try {
    await kc.makeApiClient(k8s.CoreV1Api).deleteNamespacedConfigMap({
      namespace: at.namespace,
      name: at.name,
      body: { preconditions: { uid: current.metadata!.uid! } },
    });
  } catch (err) {
    if (httpCode(err) !== 404) throw err;
  }
}

/**
 * Lets the ConfigMap go (deletionPolicy Orphan): without the ConfigSet's owner reference the garbage
 * collector keeps it when the ConfigSet goes; its data and annotations stay as the last version left them.
 */
export async function releaseConfigMap(
  kc: k8s.KubeConfig,
  at: { namespace: string; name: string },
  owner: Owner,
): Promise<void> {
  const current = await readConfigMap(kc, at.namespace, at.name);
  if (!current || !(current.metadata?.ownerReferences ?? []).some((r) => r.uid === owner.uid)) return;
  const labels = { ...(current.metadata?.labels ?? {}) };
  delete labels[configSetLabel];
  await kc.makeApiClient(k8s.CoreV1Api).replaceNamespacedConfigMap({
    namespace: at.namespace,
    name: at.name,
    body: {
      ...current,
      metadata: {
        ...current.metadata,
        labels,
        ownerReferences: (current.metadata?.ownerReferences ?? []).filter((r) => r.uid !== owner.uid),
      },
    },
  });
}
