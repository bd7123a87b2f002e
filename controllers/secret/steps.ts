// The steps of a ManagedSecret towards settled and towards gone. Each reads the recorded row, does one thing
// at the Vault API or the API server, and records the result with its event; a phase is recorded before the
// write it stands for (Rotating before a rotation's write), and every write is check-and-set against the
// version read, so a crash or a second replica never writes a version twice nor loses one: a check-and-set
// refusal reads again. Values pass through memory only.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { requeueAfter } from '../../operator/action.ts';
import type { ManagedSecretSpec } from '../../crds/schemas/managed-secret.ts';
import { CasConflictError, type KvVersion, type OperatorVault } from '../backing/vault.ts';
import type { Problem, StepResult } from '../managed/kind.ts';
import { rotationDue, nextRotation } from './rotation.ts';
import { SecretReasons } from './status.ts';
import { moveSecret, updateSecret, type SecretRow } from './store.ts';
import { removeTarget, targetSecret, TargetError, writeTarget, type Owner } from './target.ts';
import { generateValue } from './value.ts';

/** The spec as the controller acts on it: the object's spec, its rotate-at request and its target's name. */
export type SecretSpec = ManagedSecretSpec & { rotateRequest?: string; targetName: string };

export interface SecretStepContext {
  pool: Pool;
  vault: OperatorVault;
  kc: k8s.KubeConfig;
  owner: Owner;
  spec: SecretSpec;
  now: () => Date;
  log: Logger;
}

/** The key of the value in the KV secret's data. */
export const kvKey = 'value';
/** Custom metadata on the KV secret that says which object manages it. */
export const ownerUidKey = 'omnicloud-uid';

/** The value a KV version holds: its `value`, or the one key of an adopted secret that has another. */
export function valueOf(data: Record<string, string>): string | undefined {
  if (typeof data[kvKey] === 'string') return data[kvKey];
  const keys = Object.keys(data);
  return keys.length === 1 ? data[keys[0]!] : undefined;
}

const waitOn = (row: SecretRow, problem: Problem, ms: number): StepResult<SecretRow> => ({
  row,
  action: requeueAfter(ms),
  problem,
});

/** The value a source-backed secret asks for now, or why there is none. */
export async function sourceValue(c: SecretStepContext): Promise<{ value: string } | { problem: Problem }> {
  const ref = c.spec.source!.secretRef;
  const namespace = c.owner.metadata!.namespace!;
  const missing = (why: string): { problem: Problem } => ({
    problem: {
      reason: SecretReasons.SourceMissing,
      message: `spec.source.secretRef: ${why}; create it, or fix spec.source.secretRef`,
    },
  });
  let secret: k8s.V1Secret;
  try {
    secret = await c.kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ name: ref.name, namespace });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 404) return missing(`Secret ${namespace}/${ref.name} does not exist`);
    throw new TargetError(
      `reading Secret ${namespace}/${ref.name}`,
      typeof code === 'number' ? code : undefined,
    );
  }
  const encoded = secret.data?.[ref.key];
  if (encoded === undefined) return missing(`Secret ${namespace}/${ref.name} has no key ${ref.key}`);
  return { value: Buffer.from(encoded, 'base64').toString('utf8') };
}

/** Writes the target Secret with `value` at `version` and records it synced; a Secret not ours waits. */
async function deliver(
  c: SecretStepContext,
  row: SecretRow,
  value: string,
  version: number,
): Promise<'written' | StepResult<SecretRow>> {
  const secret = targetSecret(c.owner, c.spec.targetName, c.spec.target.key, value, version);
  const outcome = await writeTarget(c.kc, secret, c.owner.metadata!.uid!);
  if (outcome === 'written') return 'written';
  return waitOn(
    row,
    {
      reason: SecretReasons.TargetTaken,
      message: `Secret ${c.spec.targetName} exists and is not this ManagedSecret's; it is left alone. Delete it or set spec.target.name to another name`,
    },
    30_000,
  );
}

/** Pending: the path is free or ours; its history length and owner are set before any value is written. */
async function preparePath(c: SecretStepContext, row: SecretRow): Promise<StepResult<SecretRow>> {
  const meta = await c.vault.metadata(row.path);
  const owner = meta?.customMetadata[ownerUidKey];
  if (!row.adopted && meta && meta.currentVersion > 0 && owner !== row.uid) {
    return waitOn(
      row,
      {
        reason: SecretReasons.PathTaken,
        message: `omnicloud/${row.path} already holds a value this ManagedSecret did not write (one left with deletionPolicy Orphan, or written outside OmniCloud); adopt it with the omnicloud.io/external-name annotation, or delete it`,
      },
      30_000,
    );
  }
  await c.vault.setMetadata(row.path, {
    maxVersions: c.spec.history,
    customMetadata: {
      ...(meta?.customMetadata ?? {}),
      [ownerUidKey]: row.uid,
      'omnicloud-object': `${row.namespace}/${row.name}`,
    },
  });
  const next = await moveSecret(
    c.pool,
    row,
    'Writing',
    { provider_id: row.path, target: c.spec.targetName },
    c.now(),
  );
  return { row: next, action: 'continue' };
}

/**
 * Writing: the source's value (when the path does not hold it already), or a generated one (unless the path
 * holds a version already: a write of ours before a crash, or an adopted value), then the target.
 */
async function writeValue(c: SecretStepContext, row: SecretRow): Promise<StepResult<SecretRow>> {
  const read = await readCurrent(c, row.path);
  const current = read.latest;
  let value: string | undefined;
  let version: number;
  let createdAt = row.created_at_vault;
  if (c.spec.source) {
    const wanted = await sourceValue(c);
    if ('problem' in wanted) return waitOn(row, wanted.problem, 10_000);
    value = wanted.value;
    if (current && valueOf(current.data) === value) version = current.version;
    else {
      const written = await casWrite(c, row, value, read);
      if (written === 'conflict') return { row, action: 'continue' };
      version = written;
    }
  } else if (current && valueOf(current.data) !== undefined) {
    value = valueOf(current.data)!;
    version = current.version;
    createdAt ??= new Date(current.createdTime);
  } else {
    value = generateValue(c.spec.generate!.length, c.spec.generate!.charset);
    const written = await casWrite(c, row, value, read);
    if (written === 'conflict') return { row, action: 'continue' };
    version = written;
  }
  const recorded = await updateSecret(c.pool, row, { version });
  const delivered = await deliver(c, recorded, value, version);
  if (delivered !== 'written') return delivered;
  const next = await moveSecret(
    c.pool,
    recorded,
    'Ready',
    {
      synced_version: version,
      created_at_vault: createdAt ?? c.now(),
      ...(row.created_at_vault ? { rotated_at: c.now() } : {}),
      rotate_request: c.spec.rotateRequest ?? row.rotate_request,
      message: null,
    },
    c.now(),
  );
  return { row: next, action: 'continue' };
}

/** The latest version and the check-and-set version a write decided on it must name. */
interface Current {
  latest: KvVersion | undefined;
  cas: number;
}

/**
 * Reads the path for a decision to write: its metadata first, then its latest version. A latest version deleted
 * outside reads as none while the path has versions, so the write must name the metadata's current version;
 * read before the latest, it never names a version written after the decision was taken (which would defeat
 * check-and-set).
 */
async function readCurrent(c: SecretStepContext, path: string): Promise<Current> {
  const meta = await c.vault.metadata(path);
  const latest = await c.vault.readLatest(path);
  return { latest, cas: latest?.version ?? meta?.currentVersion ?? 0 };
}

/** A check-and-set write against the version read; a refusal means another writer came first. */
async function casWrite(
  c: SecretStepContext,
  row: SecretRow,
  value: string,
  current: Current,
): Promise<number | 'conflict'> {
  const cas = current.cas;
  try {
    return await c.vault.write(row.path, { [kvKey]: value }, cas);
  } catch (err) {
    if (!(err instanceof CasConflictError)) throw err;
    c.log.info({ path: row.path, cas }, 'check-and-set refused: reading the secret again');
    return 'conflict';
  }
}

/** Rotating: one new generated version after the one recorded; a newer version found is taken, not overwritten. */
async function rotate(c: SecretStepContext, row: SecretRow): Promise<StepResult<SecretRow>> {
  const from = row.rotating_from ?? row.version;
  const read = await readCurrent(c, row.path);
  const current = read.latest;
  let value: string;
  let version: number;
  if (current && current.version > from && valueOf(current.data) !== undefined) {
    value = valueOf(current.data)!;
    version = current.version;
  } else {
    value = generateValue(c.spec.generate!.length, c.spec.generate!.charset);
    const written = await casWrite(c, row, value, read);
    if (written === 'conflict') return { row, action: 'continue' };
    version = written;
  }
  const recorded = await updateSecret(c.pool, row, { version });
  const delivered = await deliver(c, recorded, value, version);
  if (delivered !== 'written') return delivered;
  const next = await moveSecret(
    c.pool,
    recorded,
    'Ready',
    { synced_version: version, rotated_at: c.now(), rotating_from: null, message: null },
    c.now(),
  );
  return { row: next, action: 'continue' };
}

/** Ready: deliver a version not delivered yet, or start a rotation that is due. */
async function keepReady(c: SecretStepContext, row: SecretRow): Promise<StepResult<SecretRow>> {
  if (row.synced_version !== row.version) {
    const held = await c.vault.readVersion(row.path, row.version);
    const value = held && valueOf(held.data);
    if (value === undefined) {
      // The version is gone (destroyed or deleted outside): write the value again.
      return { row: await moveSecret(c.pool, row, 'Writing', {}, c.now()), action: 'continue' };
    }
    const delivered = await deliver(c, row, value, row.version);
    if (delivered !== 'written') return delivered;
    return { row: await updateSecret(c.pool, row, { synced_version: row.version }), action: 'continue' };
  }
  const due = dueRotation(c.spec, row, c.now());
  if (due) {
    const next = await moveSecret(
      c.pool,
      row,
      'Rotating',
      { rotating_from: row.version, rotate_request: c.spec.rotateRequest ?? row.rotate_request },
      c.now(),
    );
    c.log.info({ path: row.path, from: row.version, why: due }, 'rotating the secret');
    return { row: next, action: 'continue' };
  }
  return { row, action: 'continue' };
}

/** Why the generated value is to be rotated now, if it is. */
export function dueRotation(spec: SecretSpec, row: SecretRow, now: Date): 'schedule' | 'request' | undefined {
  if (!spec.generate || row.version === 0) return undefined;
  const base = row.rotated_at ?? row.created_at_vault;
  return rotationDue(
    {
      nextRotationAt: base ? nextRotation(spec.rotation?.every, new Date(base)) : null,
      answeredRequest: row.rotate_request,
    },
    spec.rotateRequest,
    now,
  );
}

export async function applySecretStep(c: SecretStepContext, row: SecretRow): Promise<StepResult<SecretRow>> {
  switch (row.phase) {
    case 'Pending':
      return preparePath(c, row);
    case 'Writing':
      return writeValue(c, row);
    case 'Rotating':
      return rotate(c, row);
    case 'Ready':
      return keepReady(c, row);
    default:
      return { row, action: requeueAfter(5_000) };
  }
}

/** One step towards gone: the target removed, then every version and the metadata destroyed. */
export async function deleteSecretStep(c: SecretStepContext, row: SecretRow): Promise<StepResult<SecretRow>> {
  if (row.phase === 'Deleted') return { row, action: 'continue' };
  if (row.phase === 'Pending' && !row.provider_id)
    return { row: await moveSecret(c.pool, row, 'Deleted', {}, c.now()), action: 'continue' };
  const deleting = row.phase === 'Deleting' ? row : await moveSecret(c.pool, row, 'Deleting', {}, c.now());
  await removeTarget(c.kc, row.namespace, row.target ?? c.spec.targetName, row.uid);
  await c.vault.destroy(row.path);
  return { row: await moveSecret(c.pool, deleting, 'Deleted', {}, c.now()), action: 'continue' };
}
