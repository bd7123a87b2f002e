// The tenant's credentials for a bucket: an account of the S3 server's IAM (role `user`, so it can make no
// bucket and reaches only what a bucket policy grants it), made and re-keyed with the operator's IAM-admin
// keys, and the Kubernetes Secret that delivers its keys (endpoint, region, bucket, accessKey, secretKey),
// owned by the Bucket. A secret key exists only in that Secret and at the server: never in infra_db, status,
// events or logs. Failures of the API server are told by status code alone, since its answer to a write can
// quote what was sent.
import crypto from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { managedByLabel, managerName } from '../tenant/children.ts';
import { S3AdminError, type S3Admin } from './s3-admin.ts';

/** The label that marks a Secret as a Bucket's credentials (its value: the Bucket's name). */
export const credentialsOfLabel = 'omnicloud.io/bucket';

/** An access key id as S3 servers make them: 20 upper-case letters and digits. */
export function newAccessKey(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from({ length: 20 }, () => alphabet[crypto.randomInt(alphabet.length)]).join('');
}

/** A 40-character secret key. */
export const newSecretKey = (): string => crypto.randomBytes(30).toString('base64url');

/** Makes the account with this secret, or gives an account of that key this secret (a repeat after a crash). */
export async function keyAccount(admin: S3Admin, accessKey: string, secretKey: string): Promise<void> {
  try {
    await admin.createAccount(accessKey, secretKey, 'user');
  } catch (err) {
    if (!(err instanceof S3AdminError && err.code === 'XAdminUserExists')) throw err;
    await admin.setSecret(accessKey, secretKey);
  }
}

export interface SecretOwner {
  metadata: { name: string; namespace: string; uid: string };
}

export interface Delivered {
  endpoint: string;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

/** The Secret delivering the keys, owned by the Bucket (deleted with it). Pure. */
export function credentialsSecret(owner: SecretOwner, name: string, keys: Delivered): k8s.V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels: { [managedByLabel]: managerName, [credentialsOfLabel]: owner.metadata.name },
      ownerReferences: [
        {
          apiVersion: 'omnicloud.io/v1alpha1',
          kind: 'Bucket',
          name: owner.metadata.name,
          uid: owner.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    data: Object.fromEntries(
      Object.entries(keys).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
    ),
  };
}

/** A failure of the API server about the Secret, by code alone. */
export class CredentialsSecretError extends Error {
  constructor(
    what: string,
    readonly code: number | undefined,
  ) {
    super(`${what} failed${code ? ` (the Kubernetes API answered ${code})` : ''}`);
    this.name = 'CredentialsSecretError';
  }
}

const codeOf = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
};
const ownedBy = (secret: k8s.V1Secret, uid: string) =>
  (secret.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);

export type SecretState =
  { state: 'absent' } | { state: 'taken' } | { state: 'ours'; accessKey?: string; complete: boolean };

/** The Secret as the server has it: absent, another's of that name, or ours with the access key it holds. */
export async function readCredentials(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  uid: string,
): Promise<SecretState> {
  try {
    const secret = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ name, namespace });
    if (!ownedBy(secret, uid)) return { state: 'taken' };
    const data = secret.data ?? {};
    const accessKey = data.accessKey ? Buffer.from(data.accessKey, 'base64').toString('utf8') : undefined;
    const complete = ['endpoint', 'region', 'bucket', 'accessKey', 'secretKey'].every((k) => !!data[k]);
    return { state: 'ours', accessKey, complete };
  } catch (err) {
    if (codeOf(err) === 404) return { state: 'absent' };
    throw new CredentialsSecretError(`reading Secret ${namespace}/${name}`, codeOf(err));
  }
}

/** Creates or replaces the Secret; 'taken' when a Secret of that name is not this Bucket's. */
export async function writeCredentials(
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
    throw new CredentialsSecretError(`writing Secret ${namespace}/${name}`, codeOf(err));
  }
}

/** Removes the Secret when it is this Bucket's; nothing there is no error. */
export async function removeCredentials(kc: k8s.KubeConfig, namespace: string, name: string, uid: string) {
  const seen = await readCredentials(kc, namespace, name, uid);
  if (seen.state !== 'ours') return;
  try {
    await kc.makeApiClient(k8s.CoreV1Api).deleteNamespacedSecret({ name, namespace });
  } catch (err) {
    if (codeOf(err) !== 404)
      throw new CredentialsSecretError(`deleting Secret ${namespace}/${name}`, codeOf(err));
  }
}
