// The Kubernetes Secret a ManagedSecret delivers to its consumers: built by a pure function (owned by the
// ManagedSecret, labelled as the operator's, the KV version as an annotation) and written, read and removed
// here. A Secret of that name the ManagedSecret does not own is never overwritten. Failures are told by status
// code only: an API server's answer to a write can quote what was sent.
import * as k8s from '@kubernetes/client-node';
import { secretVersionAnnotation } from '../../crds/schemas/managed-secret.ts';
import { managedByLabel, managerName } from '../tenant/children.ts';

/** The label that marks a Secret as a ManagedSecret's delivery (its value: the ManagedSecret's name). */
export const deliveredByLabel = 'omnicloud.io/managed-secret';

export interface Owner {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string };
}

export function targetSecret(
  owner: Owner,
  name: string,
  key: string,
  value: string,
  version: number,
): k8s.V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name,
      namespace: owner.metadata!.namespace!,
      labels: { [managedByLabel]: managerName, [deliveredByLabel]: owner.metadata!.name! },
      annotations: { [secretVersionAnnotation]: String(version) },
      ownerReferences: [
        {
          apiVersion: 'omnicloud.io/v1alpha1',
          kind: 'ManagedSecret',
          name: owner.metadata!.name!,
          uid: owner.metadata!.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    data: { [key]: Buffer.from(value, 'utf8').toString('base64') },
  };
}

export const ownedBy = (secret: k8s.V1Secret, uid: string): boolean =>
  (secret.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);

/** A failure of the API server about the target, by code alone. */
export class TargetError extends Error {
  constructor(
    what: string,
    readonly code: number | undefined,
  ) {
    super(`${what} failed${code ? ` (the Kubernetes API answered ${code})` : ''}`);
    this.name = 'TargetError';
  }
}

const codeOf = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
};

/** The target as the server has it: its KV version, absent, or another's Secret of that name. */
export async function readTarget(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  uid: string,
): Promise<{ state: 'absent' } | { state: 'taken' } | { state: 'ours'; version: number; key: string[] }> {
  try {
    const secret = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ name, namespace });
    if (!ownedBy(secret, uid)) return { state: 'taken' };
    const version = Number(secret.metadata?.annotations?.[secretVersionAnnotation] ?? 0);
    return {
      state: 'ours',
      version: Number.isFinite(version) ? version : 0,
      key: Object.keys(secret.data ?? {}),
    };
  } catch (err) {
    if (codeOf(err) === 404) return { state: 'absent' };
    throw new TargetError(`reading Secret ${namespace}/${name}`, codeOf(err));
  }
}

/** Creates or replaces the target with `secret`; 'taken' when a Secret of that name is not ours. */
export async function writeTarget(
  kc: k8s.KubeConfig,
  secret: k8s.V1Secret,
  uid: string,
): Promise<'written' | 'taken'> {
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const { name, namespace } = secret.metadata as { name: string; namespace: string };
  try {
    const current = await api.readNamespacedSecret({ name, namespace }).catch((err: unknown) => {
      if (codeOf(err) === 404) return undefined;
      throw err;
    });
    if (!current) {
      await api.createNamespacedSecret({ namespace, body: secret });
      return 'written';
    }
    if (!ownedBy(current, uid)) return 'taken';
    const body = {
      ...secret,
      metadata: { ...secret.metadata, resourceVersion: current.metadata?.resourceVersion },
    };
    await api.replaceNamespacedSecret({ name, namespace, body });
    return 'written';
  } catch (err) {
    throw new TargetError(`writing Secret ${namespace}/${name}`, codeOf(err));
  }
}

/** Removes the target when it is ours; nothing there is no error. */
export async function removeTarget(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  uid: string,
): Promise<void> {
  const seen = await readTarget(kc, namespace, name, uid);
  if (seen.state !== 'ours') return;
  try {
    await kc.makeApiClient(k8s.CoreV1Api).deleteNamespacedSecret({ name, namespace });
  } catch (err) {
    if (codeOf(err) !== 404) throw new TargetError(`deleting Secret ${namespace}/${name}`, codeOf(err));
  }
}
