// The status a DiskSnapshot shows, computed from its recorded row and what the reconcile observed. Pure.
import { setCondition, type Condition, type ConditionInput } from '../../operator/conditions.ts';
import type { DiskSnapshot, DiskSnapshotStatus } from '../../crds/schemas/disk-snapshot.ts';
import type { Problem } from '../managed/kind.ts';
import type { SnapshotRow } from './store.ts';

export const SnapshotReasons = {
  WaitingForVolume: 'WaitingForVolume',
  VolumeNotFound: 'VolumeNotFound',
  Creating: 'Creating',
  Ready: 'SnapshotReady',
  SnapshotFailed: 'SnapshotFailed',
  SnapshotLost: 'SnapshotLost',
  S3Unavailable: 'S3Unavailable',
  ProviderUnavailable: 'ProviderUnavailable',
  Deleting: 'Deleting',
  Healthy: 'Healthy',
  InvalidSpec: 'InvalidSpec',
} as const;

/** Problems that mean something is wrong, rather than that something is under way. */
const faults = new Set<string>([
  SnapshotReasons.VolumeNotFound,
  SnapshotReasons.SnapshotFailed,
  SnapshotReasons.SnapshotLost,
  SnapshotReasons.S3Unavailable,
  SnapshotReasons.ProviderUnavailable,
  SnapshotReasons.InvalidSpec,
]);

function progress(row: SnapshotRow | undefined, volume: string): ConditionInput {
  switch (row?.phase ?? 'Pending') {
    case 'Creating':
      return {
        type: 'Ready',
        status: 'False',
        reason: SnapshotReasons.Creating,
        message: `the provider is taking a snapshot of volume ${volume}`,
      };
    case 'Deleting':
    case 'Deleted':
      return {
        type: 'Ready',
        status: 'False',
        reason: SnapshotReasons.Deleting,
        message: 'the snapshot is being deleted',
      };
    case 'Failed':
      return {
        type: 'Ready',
        status: 'False',
        reason: SnapshotReasons.SnapshotFailed,
        message: row?.message ?? 'the snapshot failed',
      };
    default:
      return {
        type: 'Ready',
        status: 'False',
        reason: SnapshotReasons.WaitingForVolume,
        message: `waiting to take a snapshot of volume ${volume}`,
      };
  }
}

export function snapshotStatus(
  obj: DiskSnapshot,
  row: SnapshotRow | undefined,
  problem: Problem | undefined,
  now: Date,
  manifestAt?: (key: string) => string,
): DiskSnapshotStatus {
  const gen = obj.metadata.generation;
  const set = (list: Condition[] | undefined, c: ConditionInput) => setCondition(list, c, now, gen);
  const phase = row?.phase ?? 'Pending';
  const volume = row?.volume_name ?? obj.spec?.source?.volume ?? 'unknown';
  const fault = problem && faults.has(problem.reason) ? problem : undefined;
  let conditions = set(
    obj.status?.conditions as Condition[] | undefined,
    fault || phase === 'Failed'
      ? {
          type: 'Degraded',
          status: 'True',
          reason: fault?.reason ?? SnapshotReasons.SnapshotFailed,
          message: fault?.message ?? row?.message ?? 'the snapshot failed',
        }
      : { type: 'Degraded', status: 'False', reason: SnapshotReasons.Healthy, message: 'no fault observed' },
  );
  conditions = set(
    conditions,
    phase === 'Ready' && !problem
      ? {
          type: 'Ready',
          status: 'True',
          reason: SnapshotReasons.Ready,
          message: `${row!.size_gib} GiB snapshot of volume ${volume} taken in ${row!.zone} at ${row!.taken_at ? new Date(row!.taken_at).toISOString() : 'an unknown time'}`,
        }
      : problem
        ? { type: 'Ready', status: 'False', reason: problem.reason, message: problem.message }
        : progress(row, volume),
  );
  const message = problem?.message ?? row?.message;
  return {
    phase,
    observedGeneration: gen,
    ...(row?.size_gib ? { sizeGiB: row.size_gib } : {}),
    ...(row?.provider_id ? { providerId: row.provider_id } : {}),
    ...(row?.operation_id ? { operationId: row.operation_id } : {}),
    ...(row?.taken_at ? { createdAt: new Date(row.taken_at).toISOString() } : {}),
    ...(row?.volume_provider_id
      ? {
          sourceVolume: {
            name: row.volume_name,
            providerId: row.volume_provider_id,
            ...(row.zone ? { zone: row.zone } : {}),
          },
        }
      : {}),
    ...(row?.manifest_key && manifestAt ? { manifest: manifestAt(row.manifest_key) } : {}),
    ...(message ? { message: message.slice(0, 1024) } : {}),
    conditions,
  };
}
