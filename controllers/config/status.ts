// The status a ConfigSet shows, computed from its recorded row and what the reconcile observed. Pure.
import { setCondition, type Condition, type ConditionInput } from '../../operator/conditions.ts';
import type { ConfigSet, ConfigSetStatus } from '../../crds/schemas/config-set.ts';
import type { Problem } from '../managed/kind.ts';
import type { ConfigSetRow } from './store.ts';

export const ConfigSetReasons = {
  Pending: 'Pending',
  Applying: 'Applying',
  Synced: 'Synced',
  Deleting: 'Deleting',
  Healthy: 'Healthy',
  InvalidSpec: 'InvalidSpec',
  VersionNotFound: 'VersionNotFound',
  ConfigMapNotOwned: 'ConfigMapNotOwned',
  KubernetesUnavailable: 'KubernetesUnavailable',
} as const;

/** Problems that mean something is wrong, rather than that something is under way. */
const faults = new Set<string>([
  ConfigSetReasons.InvalidSpec,
  ConfigSetReasons.VersionNotFound,
  ConfigSetReasons.ConfigMapNotOwned,
  ConfigSetReasons.KubernetesUnavailable,
]);

function progress(row: ConfigSetRow | undefined): ConditionInput {
  switch (row?.phase) {
    case 'Applying':
      return {
        type: 'Ready',
        status: 'False',
        reason: ConfigSetReasons.Applying,
        message: `writing version ${row.applying_version} to ConfigMap ${row.config_map}`,
      };
    case 'Deleting':
    case 'Deleted':
      return { type: 'Ready', status: 'False', reason: ConfigSetReasons.Deleting, message: 'being deleted' };
    case 'Synced':
      return {
        type: 'Ready',
        status: 'False',
        reason: ConfigSetReasons.Applying,
        message: `ConfigMap ${row.config_map} holds version ${row.current_version}; the spec asks for a change`,
      };
    default:
      return {
        type: 'Ready',
        status: 'False',
        reason: ConfigSetReasons.Pending,
        message: 'no version recorded yet',
      };
  }
}

export function configSetStatus(
  obj: ConfigSet,
  row: ConfigSetRow | undefined,
  problem: Problem | undefined,
  now: Date,
): ConfigSetStatus {
  const gen = obj.metadata.generation;
  const set = (list: Condition[] | undefined, c: ConditionInput) => setCondition(list, c, now, gen);
  const fault = problem && faults.has(problem.reason) ? problem : undefined;
  let conditions = set(
    obj.status?.conditions as Condition[] | undefined,
    fault
      ? { type: 'Degraded', status: 'True', reason: fault.reason, message: fault.message }
      : { type: 'Degraded', status: 'False', reason: ConfigSetReasons.Healthy, message: 'no fault observed' },
  );
  const settled = row?.phase === 'Synced' && !problem;
  conditions = set(
    conditions,
    settled
      ? {
          type: 'Ready',
          status: 'True',
          reason: ConfigSetReasons.Synced,
          message: `ConfigMap ${row.config_map} holds version ${row.current_version} (${row.current_hash?.slice(0, 12)})`,
        }
      : problem
        ? { type: 'Ready', status: 'False', reason: problem.reason, message: problem.message }
        : progress(row),
  );
  const rolledBack = row?.desired_key?.startsWith('rollback:') ? Number(row.desired_key.slice(9)) : undefined;
  const message = problem?.message ?? row?.message ?? undefined;
  return {
    phase: row?.phase ?? 'Pending',
    observedGeneration: gen,
    ...(row?.current_version ? { currentVersion: row.current_version } : {}),
    ...(row?.current_hash ? { currentHash: row.current_hash } : {}),
    ...(row ? { configMapName: row.config_map.split('/')[1] } : {}),
    ...(rolledBack ? { rolledBackTo: rolledBack } : {}),
    ...(message ? { message: message.slice(0, 1024) } : {}),
    conditions,
  };
}
