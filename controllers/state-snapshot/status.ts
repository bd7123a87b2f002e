// The status a StateSnapshot shows: its last snapshot (id, UTC time, size, counts), when the next is due, how
// many the bucket keeps, and Ready with a reason. Pure.
import { setCondition, type Condition } from '../../operator/conditions.ts';
import type { StateSnapshot, StateSnapshotStatus } from '../../crds/schemas/state-snapshot.ts';
import type { SnapshotManifest } from './document.ts';

export const SnapshotReasons = {
  SnapshotTaken: 'SnapshotTaken',
  S3Unavailable: 'S3Unavailable',
  SnapshotFailed: 'SnapshotFailed',
  InvalidSpec: 'InvalidSpec',
  NotInTenantNamespace: 'NotInTenantNamespace',
} as const;

function base(
  obj: StateSnapshot,
  ready: Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>,
  now: Date,
) {
  return {
    observedGeneration: obj.metadata.generation,
    conditions: setCondition(
      obj.status?.conditions as Condition[] | undefined,
      ready,
      now,
      obj.metadata.generation,
    ),
  };
}

export function takenStatus(
  obj: StateSnapshot,
  bucket: string,
  m: SnapshotManifest,
  kept: number,
  next: Date,
  now: Date,
): StateSnapshotStatus {
  return {
    ...base(
      obj,
      {
        type: 'Ready',
        status: 'True',
        reason: SnapshotReasons.SnapshotTaken,
        message: `snapshot ${m.id} taken at ${m.takenAt}: ${m.objectCount} objects, ${m.rowCount} rows, ${m.sizeBytes} bytes; ${kept} kept`,
      },
      now,
    ),
    bucket,
    lastSnapshot: {
      id: m.id,
      takenAt: m.takenAt,
      sizeBytes: m.sizeBytes,
      objectCount: m.objectCount,
      rowCount: m.rowCount,
    },
    nextSnapshotAt: next.toISOString(),
    snapshots: kept,
  };
}

/** A snapshot that could not be taken: the last good one stays shown. */
export function failedStatus(
  obj: StateSnapshot,
  reason: string,
  message: string,
  now: Date,
): StateSnapshotStatus {
  return {
    ...(obj.status ?? {}),
    ...base(obj, { type: 'Ready', status: 'False', reason, message }, now),
  };
}
