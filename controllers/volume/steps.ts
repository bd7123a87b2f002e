// One lifecycle step of a Volume: from the recorded phase, do the one thing that phase calls for and record
// the outcome. Intent is recorded before each provider call, and every call carries a token derived from the
// row, so a crash between the two repeats the call and gets the first operation back, never a second volume.
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import { done, requeueAfter, type Action } from '../../operator/action.ts';
import type { VolumeSpec } from '../../crds/schemas/volume.ts';
import { withTransaction } from '../compute/store.ts';
import { createdResource, deletionOutcome, isPending } from '../provider/operations.ts';
import { ProviderRequestError } from '../provider/types.ts';
import { checkStorageQuota, StorageQuotaExceeded } from './quota.ts';
import type { VolumeDeps } from './reconcile.ts';
import { VolumeReasons, type VolumeProblem } from './status.ts';
import { moveVolume, updateVolume, type VolumeChange, type VolumeRow } from './store.ts';

export interface VolumeStepContext {
  deps: VolumeDeps;
  spec: VolumeSpec;
  namespace: string;
  tenant: string;
  now: () => Date;
  log: Logger;
}

export interface VolumeStepResult {
  row: VolumeRow;
  action: Action | 'continue';
  problem?: VolumeProblem;
}

/** How long a failed create or resize waits before it is tried again. */
export const volumeRetryAfterMs = 30_000;
const pollMs = 300;

function mover(s: VolumeStepContext, row: VolumeRow) {
  return (to: VolumeRow['phase'], change: VolumeChange = {}) =>
    withTransaction(s.deps.pool, (c) => moveVolume(c, row, to, change, s.tenant, s.now()));
}

/** Time left before a failure recorded at `row.updated_at` may be retried, in ms (0 when it may). */
function backoffLeft(s: VolumeStepContext, row: VolumeRow): number {
  const since = s.now().getTime() - (row.updated_at ? new Date(row.updated_at).getTime() : 0);
  return Math.max(0, volumeRetryAfterMs - since);
}

/** Checks that `wantGiB` fits the tenant's storage quota and applies the change in the same transaction. */
async function withinQuota(
  s: VolumeStepContext,
  row: VolumeRow,
  wantGiB: number,
  apply: (c: PoolClient) => Promise<VolumeRow>,
): Promise<VolumeRow | StorageQuotaExceeded> {
  const limit = await s.deps.storageLimit?.(s.namespace);
  try {
    return await withTransaction(s.deps.pool, async (c) => {
      if (limit) await checkStorageQuota(c, row, wantGiB, limit);
      return apply(c);
    });
  } catch (err) {
    if (err instanceof StorageQuotaExceeded) return err;
    throw err;
  }
}

function quotaWait(row: VolumeRow, err: StorageQuotaExceeded): VolumeStepResult {
  return {
    row,
    action: requeueAfter(10_000),
    problem: { reason: VolumeReasons.QuotaExceeded, message: err.message },
  };
}

async function createAtProvider(s: VolumeStepContext, row: VolumeRow): Promise<VolumeRow> {
  const op = await s.deps.provider.createVolume({
    // One token per attempt: a create that failed created nothing, and the retry must not replay the failure.
    idempotencyToken: `${row.uid}:create:${row.create_attempt}`,
    region: row.region,
    zone: row.zone,
    type: row.type,
    sizeGiB: row.size_gib,
    ...(row.source_snapshot_id ? { snapshotId: row.source_snapshot_id } : {}),
  });
  return updateVolume(s.deps.pool, row, { operation_id: op.id });
}

/**
 * The snapshot a restored volume is created from, recorded with the move to Creating so that every attempt
 * asks for the same one; a volume that names a snapshot waits until it is Ready.
 */
function restoreSource(
  s: VolumeStepContext,
  row: VolumeRow,
): { change: VolumeChange } | { problem: VolumeProblem } {
  const name = s.spec.source?.diskSnapshot;
  if (!name || row.source_snapshot_id) return { change: {} };
  const snap = s.deps.snapshotSource?.(s.namespace, name);
  if (!snap)
    return {
      problem: {
        reason: VolumeReasons.WaitingForSnapshot,
        message: `disk snapshot ${name} does not exist in ${s.namespace}; create it or fix spec.source.diskSnapshot`,
      },
    };
  if (snap.phase !== 'Ready' || !snap.providerId)
    return {
      problem: {
        reason: VolumeReasons.WaitingForSnapshot,
        message: `waiting for disk snapshot ${name} to be Ready (it is ${snap.phase ?? 'Pending'})`,
      },
    };
  if (snap.sizeGiB !== undefined && row.requested_gib < snap.sizeGiB)
    return {
      problem: {
        reason: VolumeReasons.InvalidSpec,
        message: `spec.sizeGiB: disk snapshot ${name} holds ${snap.sizeGiB} GiB; a volume restored from it needs at least ${snap.sizeGiB} GiB, not ${row.requested_gib}`,
      },
    };
  return { change: { source_snapshot_id: snap.providerId } };
}

/** Asks the provider for the volume; a request it refuses outright fails this attempt, to be retried. */
async function startCreate(s: VolumeStepContext, row: VolumeRow): Promise<VolumeStepResult> {
  try {
    return { row: await createAtProvider(s, row), action: 'continue' };
  } catch (err) {
    if (!(err instanceof ProviderRequestError)) throw err;
    return createFailed(s, row, err.message);
  }
}

async function createFailed(s: VolumeStepContext, row: VolumeRow, why: string): Promise<VolumeStepResult> {
  const message = `the provider could not create the volume: ${why}`;
  const next = await mover(s, row)('Failed', {
    message,
    operation_id: null,
    create_attempt: row.create_attempt + 1,
  });
  return {
    row: next,
    action: requeueAfter(volumeRetryAfterMs),
    problem: {
      reason: VolumeReasons.CreateFailed,
      message: `${message}; retrying in ${volumeRetryAfterMs / 1000}s`,
    },
  };
}

async function resizeAtProvider(s: VolumeStepContext, row: VolumeRow): Promise<VolumeStepResult> {
  const move = mover(s, row);
  try {
    const op = await s.deps.provider.resizeVolume(
      row.provider_id!,
      row.requested_gib,
      `${row.uid}:resize:${row.requested_gib}:${row.resize_attempt}`,
    );
    return { row: await updateVolume(s.deps.pool, row, { operation_id: op.id }), action: 'continue' };
  } catch (err) {
    if (!(err instanceof ProviderRequestError)) throw err;
    return resizeRefused(s, row, move, err.message);
  }
}

async function resizeRefused(
  s: VolumeStepContext,
  row: VolumeRow,
  move: ReturnType<typeof mover>,
  why: string,
): Promise<VolumeStepResult> {
  const message = `the provider could not grow the volume from ${row.size_gib} to ${row.requested_gib} GiB: ${why}; retrying in ${volumeRetryAfterMs / 1000}s`;
  const next = await move('Available', {
    operation_id: null,
    message,
    resize_attempt: row.resize_attempt + 1,
  });
  return {
    row: next,
    action: requeueAfter(volumeRetryAfterMs),
    problem: { reason: VolumeReasons.ResizeFailed, message },
  };
}

export async function applyVolumeStep(s: VolumeStepContext, row: VolumeRow): Promise<VolumeStepResult> {
  const { deps } = s;
  const move = mover(s, row);
  switch (row.phase) {
    case 'Pending': {
      const source = restoreSource(s, row);
      if ('problem' in source) return { row, action: requeueAfter(3_000), problem: source.problem };
      const next = await withinQuota(s, row, row.requested_gib, (c) =>
        moveVolume(c, row, 'Creating', { operation_id: null, ...source.change }, s.tenant, s.now()),
      );
      if (next instanceof StorageQuotaExceeded) return quotaWait(row, next);
      return startCreate(s, next);
    }
    case 'Creating': {
      if (!row.operation_id) return startCreate(s, row);
      const op = await deps.provider.getOperation(row.operation_id);
      if (isPending(op)) return { row, action: requeueAfter(pollMs) };
      if (op.status === 'succeeded')
        return {
          row: await move('Available', { provider_id: op.resourceId ?? null, message: null }),
          action: 'continue',
        };
      return createFailed(s, row, op.error?.message ?? 'no reason given');
    }
    case 'Available':
      return available(s, row);
    case 'Resizing': {
      if (!row.operation_id) return resizeAtProvider(s, row);
      const op = await deps.provider.getOperation(row.operation_id);
      if (isPending(op)) return { row, action: requeueAfter(pollMs) };
      if (op.status === 'succeeded')
        return {
          row: await move('Available', { size_gib: row.requested_gib, operation_id: null, message: null }),
          action: 'continue',
        };
      return resizeRefused(s, row, move, op.error?.message ?? 'no reason given');
    }
    case 'Failed': {
      if (row.provider_id) {
        const seen = await deps.provider.getVolume(row.provider_id);
        if (seen?.state === 'available')
          return { row: await move('Available', { message: null }), action: 'continue' };
        return {
          row,
          action: requeueAfter(5_000),
          problem: { reason: VolumeReasons.VolumeFailed, message: seen?.message ?? row.message ?? 'failed' },
        };
      }
      const wait = backoffLeft(s, row);
      if (wait > 0)
        return {
          row,
          action: requeueAfter(wait),
          problem: {
            reason: VolumeReasons.CreateFailed,
            message: `${row.message ?? 'failed'}; retrying in ${Math.ceil(wait / 1000)}s`,
          },
        };
      return { row: await move('Pending', { message: null }), action: 'continue' };
    }
    default:
      return { row, action: done };
  }
}

/** An available volume: grow it when asked to, otherwise check that the provider still has it. */
async function available(s: VolumeStepContext, row: VolumeRow): Promise<VolumeStepResult> {
  if (s.spec.sizeGiB > row.requested_gib) {
    const wanted = s.spec.sizeGiB;
    const next = await withinQuota(s, row, wanted, (c) =>
      updateVolume(c, row, { requested_gib: wanted, message: null }),
    );
    if (next instanceof StorageQuotaExceeded) return quotaWait(row, next);
    return { row: next, action: 'continue' };
  }
  if (row.requested_gib > row.size_gib) {
    const wait = row.message ? backoffLeft(s, row) : 0;
    if (wait > 0)
      return {
        row,
        action: requeueAfter(wait),
        problem: { reason: VolumeReasons.ResizeFailed, message: row.message! },
      };
    // Record the intent first; the provider call follows in the next step with a token derived from it.
    return { row: await mover(s, row)('Resizing', { operation_id: null }), action: 'continue' };
  }
  // Settled: observed by the managed reconciler, not stepped.
  return { row, action: done };
}

export async function deleteVolumeStep(s: VolumeStepContext, row: VolumeRow): Promise<VolumeStepResult> {
  const { deps } = s;
  const move = mover(s, row);
  switch (row.phase) {
    case 'Deleted':
      return { row, action: done };
    case 'Pending':
      return { row: await move('Deleted'), action: done };
    case 'Deleting': {
      if ((await deletionOutcome(deps.provider, row.operation_id, 'volume')) === 'pending')
        return { row, action: requeueAfter(pollMs) };
      return { row: await move('Deleted', { operation_id: null }), action: done };
    }
    default: {
      // Creating, Available, Resizing or Failed: find out what exists at the provider, then delete it.
      let providerId = row.provider_id;
      if (!providerId && row.phase === 'Creating') {
        const created = await createdResource(deps.provider, row.operation_id, () =>
          createAtProvider(s, row),
        );
        if (created === 'pending') return { row, action: requeueAfter(pollMs) };
        providerId = created;
      }
      if (!providerId) return { row: await move('Deleting', { operation_id: null }), action: 'continue' };
      const op = await deps.provider.deleteVolume(providerId, `${row.uid}:delete`);
      return {
        row: await move('Deleting', { operation_id: op.id, provider_id: providerId }),
        action: 'continue',
      };
    }
  }
}
