// The status a ManagedSecret shows, computed from its recorded row and what the reconcile observed: versions,
// times (UTC), the synced Secret's name and conditions that explain themselves. Never the value. Pure.
import { setCondition, type Condition, type ConditionInput } from '../../operator/conditions.ts';
import type { ManagedSecret, ManagedSecretStatus } from '../../crds/schemas/managed-secret.ts';
import type { Problem } from '../managed/kind.ts';
import { nextRotation } from './rotation.ts';
import type { SecretRow } from './store.ts';

export const SecretReasons = {
  Pending: 'Pending',
  Writing: 'Writing',
  Rotating: 'Rotating',
  Synced: 'Synced',
  Deleting: 'Deleting',
  VaultUnavailable: 'VaultUnavailable',
  VaultRefused: 'VaultRefused',
  SourceMissing: 'SourceMissing',
  PathTaken: 'PathTaken',
  TargetTaken: 'TargetTaken',
  Healthy: 'Healthy',
  InvalidSpec: 'InvalidSpec',
} as const;

/** Problems that mean something is wrong, rather than that something is under way. */
const faults = new Set<string>([
  SecretReasons.VaultUnavailable,
  SecretReasons.VaultRefused,
  SecretReasons.SourceMissing,
  SecretReasons.PathTaken,
  SecretReasons.TargetTaken,
  SecretReasons.InvalidSpec,
]);

const iso = (d: Date | string | null | undefined): string | undefined =>
  d ? new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;

export const targetNameOf = (obj: ManagedSecret): string => obj.spec?.target?.name ?? obj.metadata.name;

function progress(row: SecretRow | undefined): ConditionInput {
  switch (row?.phase ?? 'Pending') {
    case 'Rotating':
      return {
        type: 'Ready',
        status: 'False',
        reason: SecretReasons.Rotating,
        message: 'writing a new version',
      };
    case 'Deleting':
    case 'Deleted':
      return {
        type: 'Ready',
        status: 'False',
        reason: SecretReasons.Deleting,
        message: 'the secret is being deleted',
      };
    case 'Writing':
    case 'Ready':
      return {
        type: 'Ready',
        status: 'False',
        reason: SecretReasons.Writing,
        message: 'writing the value to the Vault API and its Secret',
      };
    default:
      return {
        type: 'Ready',
        status: 'False',
        reason: SecretReasons.Pending,
        message: 'preparing the secret path',
      };
  }
}

export function secretStatus(
  obj: ManagedSecret,
  row: SecretRow | undefined,
  problem: Problem | undefined,
  now: Date,
): ManagedSecretStatus {
  const gen = obj.metadata.generation;
  const set = (list: Condition[] | undefined, c: ConditionInput) => setCondition(list, c, now, gen);
  const fault = problem && faults.has(problem.reason) ? problem : undefined;
  const settled = row?.phase === 'Ready' && row.synced_version === row.version && row.version > 0 && !problem;
  let conditions = set(
    obj.status?.conditions as Condition[] | undefined,
    fault
      ? { type: 'Degraded', status: 'True', reason: fault.reason, message: fault.message }
      : { type: 'Degraded', status: 'False', reason: SecretReasons.Healthy, message: 'no fault observed' },
  );
  conditions = set(
    conditions,
    settled
      ? {
          type: 'Ready',
          status: 'True',
          reason: SecretReasons.Synced,
          message: `version ${row.version} is in the Vault API and in Secret ${row.target ?? targetNameOf(obj)}`,
        }
      : problem
        ? { type: 'Ready', status: 'False', reason: problem.reason, message: problem.message }
        : progress(row),
  );
  const every = obj.spec?.generate ? obj.spec.rotation?.every : undefined;
  const base = row?.rotated_at ?? row?.created_at_vault;
  const next = base ? nextRotation(every, new Date(base)) : null;
  const message = problem?.message ?? row?.message ?? undefined;
  return {
    phase: row?.phase ?? 'Pending',
    observedGeneration: gen,
    ...(row?.provider_id ? { path: `omnicloud/${row.provider_id}` } : {}),
    ...(row && row.version > 0 ? { version: row.version } : {}),
    ...(row?.target ? { secretName: row.target } : {}),
    ...(iso(row?.created_at_vault) ? { createdAt: iso(row?.created_at_vault) } : {}),
    ...(iso(row?.rotated_at) ? { rotatedAt: iso(row?.rotated_at) } : {}),
    ...(next ? { nextRotationAt: iso(next) } : {}),
    ...(message ? { message: message.slice(0, 1024) } : {}),
    conditions,
  };
}
