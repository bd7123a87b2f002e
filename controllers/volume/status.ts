// The status a Volume shows, computed from its recorded row and what the reconcile observed. Pure.
import { setCondition, type Condition, type ConditionInput } from '../../operator/conditions.ts';
import type { Volume, VolumeStatus } from '../../crds/schemas/volume.ts';
import type { VolumeRow } from './store.ts';

export const VolumeReasons = {
  Creating: 'Creating',
  Available: 'Available',
  Resizing: 'Resizing',
  ResizeFailed: 'ResizeFailed',
  CreateFailed: 'CreateFailed',
  VolumeFailed: 'VolumeFailed',
  QuotaExceeded: 'QuotaExceeded',
  ProviderUnavailable: 'ProviderUnavailable',
  Deleting: 'Deleting',
  Healthy: 'Healthy',
  InvalidSpec: 'InvalidSpec',
  WaitingForSnapshot: 'WaitingForSnapshot',
  VolumeAttached: 'VolumeAttached',
} as const;

/** Why the volume waits or is degraded, when it does or is. */
export interface VolumeProblem {
  reason: string;
  message: string;
}

/** Problems that mean something is wrong, rather than that something is under way. */
const faults = new Set<string>([
  VolumeReasons.CreateFailed,
  VolumeReasons.VolumeFailed,
  VolumeReasons.ResizeFailed,
  VolumeReasons.ProviderUnavailable,
  VolumeReasons.QuotaExceeded,
  VolumeReasons.InvalidSpec,
]);

function progress(row: VolumeRow | undefined, wantGiB: number): ConditionInput {
  const phase = row?.phase ?? 'Pending';
  switch (phase) {
    case 'Resizing':
      return {
        type: 'Ready',
        status: 'False',
        reason: VolumeReasons.Resizing,
        message: `growing from ${row!.size_gib} to ${row!.requested_gib} GiB`,
      };
    case 'Deleting':
    case 'Deleted':
      return {
        type: 'Ready',
        status: 'False',
        reason: VolumeReasons.Deleting,
        message: 'the volume is being deleted',
      };
    case 'Available':
      return {
        type: 'Ready',
        status: 'False',
        reason: VolumeReasons.Resizing,
        message: `${row!.size_gib} GiB available; growing to ${wantGiB} GiB`,
      };
    default:
      return {
        type: 'Ready',
        status: 'False',
        reason: VolumeReasons.Creating,
        message: `creating a ${wantGiB} GiB volume`,
      };
  }
}

export function volumeStatus(
  obj: Volume,
  row: VolumeRow | undefined,
  problem: VolumeProblem | undefined,
  now: Date,
): VolumeStatus {
  const gen = obj.metadata.generation;
  const set = (list: Condition[] | undefined, c: ConditionInput) => setCondition(list, c, now, gen);
  const phase = row?.phase ?? 'Pending';
  const fault = problem && faults.has(problem.reason) ? problem : undefined;
  const settled = phase === 'Available' && row!.size_gib >= obj.spec.sizeGiB && !problem;
  let conditions = set(
    obj.status?.conditions as Condition[] | undefined,
    fault || phase === 'Failed'
      ? {
          type: 'Degraded',
          status: 'True',
          reason: fault?.reason ?? VolumeReasons.VolumeFailed,
          message: fault?.message ?? row?.message ?? 'the volume failed',
        }
      : { type: 'Degraded', status: 'False', reason: VolumeReasons.Healthy, message: 'no fault observed' },
  );
  conditions = set(
    conditions,
    settled
      ? {
          type: 'Ready',
          status: 'True',
          reason: VolumeReasons.Available,
          message: `${row!.size_gib} GiB ${row!.type} volume available in ${row!.zone}`,
        }
      : problem
        ? { type: 'Ready', status: 'False', reason: problem.reason, message: problem.message }
        : progress(row, obj.spec.sizeGiB),
  );
  const message = problem?.message ?? row?.message;
  return {
    phase,
    observedGeneration: gen,
    ...(row?.provider_id ? { sizeGiB: row.size_gib } : {}),
    ...(row?.provider_id ? { providerId: row.provider_id } : {}),
    ...(row?.operation_id ? { operationId: row.operation_id } : {}),
    ...(row?.attached_to ? { attachedTo: row.attached_to } : {}),
    ...(obj.spec.source?.diskSnapshot
      ? {
          restoredFrom: {
            diskSnapshot: obj.spec.source.diskSnapshot,
            ...(row?.source_snapshot_id ? { providerId: row.source_snapshot_id } : {}),
          },
        }
      : {}),
    ...(message ? { message: message.slice(0, 1024) } : {}),
    conditions,
  };
}
