// One lifecycle step of a DiskSnapshot: from the recorded phase, do the one thing that phase calls for and
// record the outcome. The volume the snapshot is of is recorded (with the move to Creating) before the provider
// is asked, and every call carries a token derived from the row, so a crash between the two repeats the call
// and gets the first operation back, never a second snapshot. The manifest is written before Ready and
// removed before Deleted; writing or removing it again changes nothing.
import type { Logger } from 'pino';
import { done, requeueAfter, type Action } from '../../operator/action.ts';
import type { DiskSnapshotSpec } from '../../crds/schemas/disk-snapshot.ts';
import { volumeSpecSchema } from '../../crds/schemas/volume.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Problem } from '../managed/kind.ts';
import { createdResource, deletionOutcome, isPending } from '../provider/operations.ts';
import { ProviderNotFoundError, ProviderRequestError } from '../provider/types.ts';
import { manifestKey, manifestOf } from './manifest.ts';
import type { SnapshotDeps } from './reconcile.ts';
import { SnapshotReasons } from './status.ts';
import {
  moveSnapshot,
  readSnapshot,
  updateSnapshot,
  type SnapshotChange,
  type SnapshotRow,
} from './store.ts';

export interface SnapshotStepContext {
  deps: SnapshotDeps;
  spec: DiskSnapshotSpec;
  now: () => Date;
  log: Logger;
}

export interface SnapshotStepResult {
  row: SnapshotRow;
  action: Action | 'continue';
  problem?: Problem;
}

/** How long a failed snapshot waits before it is taken again. */
export const snapshotRetryAfterMs = 30_000;
const pollMs = 300;

function mover(s: SnapshotStepContext, row: SnapshotRow) {
  return (to: SnapshotRow['phase'], change: SnapshotChange = {}) =>
    withTransaction(s.deps.pool, (c) => moveSnapshot(c, row, to, change, s.now()));
}

const waiting = (row: SnapshotRow, reason: string, message: string, ms = 3_000): SnapshotStepResult => ({
  row,
  action: requeueAfter(ms),
  problem: { reason, message },
});

/** The volume to snapshot, once it is available at the provider: recorded with the move to Creating. */
async function takeVolume(s: SnapshotStepContext, row: SnapshotRow): Promise<SnapshotStepResult> {
  const vol = s.deps.sourceVolume(row.namespace, row.volume_name);
  if (!vol)
    return waiting(
      row,
      SnapshotReasons.VolumeNotFound,
      `volume ${row.volume_name} does not exist in ${row.namespace}; create it or fix spec.source.volume`,
      10_000,
    );
  const providerId = vol.status?.providerId;
  const ready = vol.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  if (!providerId || (!ready && vol.status?.phase !== 'Available'))
    return waiting(
      row,
      SnapshotReasons.WaitingForVolume,
      `waiting for volume ${row.volume_name} to be available (it is ${vol.status?.phase ?? 'Pending'})`,
    );
  const spec = volumeSpecSchema.safeParse(vol.spec);
  const next = await mover(s, row)('Creating', {
    volume_uid: vol.metadata.uid ?? null,
    volume_provider_id: providerId,
    volume_spec: spec.success ? spec.data : null,
    region: vol.spec.region,
    zone: vol.spec.zone,
    operation_id: null,
  });
  return startCreate(s, next);
}

async function createAtProvider(s: SnapshotStepContext, row: SnapshotRow): Promise<SnapshotRow> {
  // One token per attempt: a snapshot that failed made nothing, and the retry must not replay the failure.
  const op = await s.deps.provider.createSnapshot(
    row.volume_provider_id!,
    `${row.uid}:snapshot:${row.create_attempt}`,
  );
  return updateSnapshot(s.deps.pool, row, { operation_id: op.id });
}

async function startCreate(s: SnapshotStepContext, row: SnapshotRow): Promise<SnapshotStepResult> {
  try {
    return { row: await createAtProvider(s, row), action: 'continue' };
  } catch (err) {
    if (err instanceof ProviderNotFoundError)
      return createFailed(
        s,
        row,
        `it does not know volume ${row.volume_name} (${row.volume_provider_id}): ${err.message}`,
      );
    if (err instanceof ProviderRequestError) return createFailed(s, row, err.message);
    throw err;
  }
}

async function createFailed(
  s: SnapshotStepContext,
  row: SnapshotRow,
  why: string,
): Promise<SnapshotStepResult> {
  const message = `the provider could not take the snapshot: ${why}`;
  const next = await mover(s, row)('Failed', {
    message,
    operation_id: null,
    create_attempt: row.create_attempt + 1,
  });
  return {
    row: next,
    action: requeueAfter(snapshotRetryAfterMs),
    problem: {
      reason: SnapshotReasons.SnapshotFailed,
      message: `${message}; retrying in ${snapshotRetryAfterMs / 1000}s`,
    },
  };
}

/** The provider has the snapshot: its manifest goes to the object store, then it is Ready. */
async function finishCreate(
  s: SnapshotStepContext,
  row: SnapshotRow,
  providerId: string,
): Promise<SnapshotStepResult> {
  const info = await s.deps.provider.getSnapshot(providerId);
  if (!info || info.state === 'pending') return { row, action: requeueAfter(pollMs) };
  if (info.state !== 'available') return createFailed(s, row, `snapshot ${providerId} is ${info.state}`);
  const key = manifestKey(row.tenant, row.uid);
  const takenAt = new Date(info.createdAt);
  await s.deps.manifests.put(key, manifestOf(row, providerId, takenAt, info.sizeGiB));
  const next = await mover(s, row)('Ready', {
    provider_id: providerId,
    size_gib: info.sizeGiB,
    taken_at: takenAt,
    manifest_key: key,
    operation_id: null,
    message: null,
  });
  return { row: next, action: 'continue' };
}

export async function applySnapshotStep(
  s: SnapshotStepContext,
  row: SnapshotRow,
): Promise<SnapshotStepResult> {
  switch (row.phase) {
    case 'Pending':
      return takeVolume(s, row);
    case 'Creating': {
      if (row.provider_id) return finishCreate(s, row, row.provider_id);
      if (!row.operation_id) return startCreate(s, row);
      const op = await s.deps.provider.getOperation(row.operation_id);
      if (isPending(op)) return { row, action: requeueAfter(pollMs) };
      if (op.status === 'succeeded' && op.resourceId) return finishCreate(s, row, op.resourceId);
      return createFailed(s, row, op.error?.message ?? 'no reason given');
    }
    case 'Failed': {
      if (row.provider_id)
        // Lost at the provider: taking it again would copy the volume as it is now, not as it was.
        return {
          row,
          action: done,
          problem: { reason: SnapshotReasons.SnapshotLost, message: row.message ?? 'the snapshot is lost' },
        };
      const since = s.now().getTime() - (row.updated_at ? new Date(row.updated_at).getTime() : 0);
      if (since < snapshotRetryAfterMs)
        return waiting(
          row,
          SnapshotReasons.SnapshotFailed,
          `${row.message ?? 'failed'}; retrying in ${Math.ceil((snapshotRetryAfterMs - since) / 1000)}s`,
          snapshotRetryAfterMs - since,
        );
      return { row: await mover(s, row)('Pending', { message: null }), action: 'continue' };
    }
    default:
      return { row, action: done };
  }
}

export async function deleteSnapshotStep(
  s: SnapshotStepContext,
  row: SnapshotRow,
): Promise<SnapshotStepResult> {
  const move = mover(s, row);
  switch (row.phase) {
    case 'Deleted':
      return { row, action: done };
    case 'Pending':
      return { row: await move('Deleted'), action: done };
    case 'Deleting': {
      if ((await deletionOutcome(s.deps.provider, row.operation_id, 'snapshot')) === 'pending')
        return { row, action: requeueAfter(pollMs) };
      // Removed by its key, recorded or not: a crash after the write and before its record left it there.
      await s.deps.manifests.remove(manifestKey(row.tenant, row.uid));
      return { row: await move('Deleted', { operation_id: null }), action: done };
    }
    default: {
      // Creating, Ready or Failed: find out what exists at the provider, then delete it.
      let providerId = row.provider_id;
      if (!providerId && row.phase === 'Creating' && row.volume_provider_id) {
        const created = await createdResource(s.deps.provider, row.operation_id, () =>
          createAtProvider(s, row).catch((err: unknown) => {
            if (err instanceof ProviderRequestError || err instanceof ProviderNotFoundError) return row;
            throw err;
          }),
        );
        if (created === 'pending') return { row: await reread(s, row), action: requeueAfter(pollMs) };
        providerId = created;
      }
      if (!providerId) return { row: await move('Deleting', { operation_id: null }), action: 'continue' };
      const op = await s.deps.provider
        .deleteSnapshot(providerId, `${row.uid}:delete`)
        .catch((err: unknown) => {
          // Gone already (deleted outside OmniCloud): that is all a delete asks for.
          if (err instanceof ProviderNotFoundError) return undefined;
          throw err;
        });
      return {
        row: await move('Deleting', { operation_id: op?.id ?? null, provider_id: providerId }),
        action: 'continue',
      };
    }
  }
}

/** The row as recorded now (an operation id written by the step just taken). */
async function reread(s: SnapshotStepContext, row: SnapshotRow): Promise<SnapshotRow> {
  return (await readSnapshot(s.deps.pool, row.uid)) ?? row;
}
