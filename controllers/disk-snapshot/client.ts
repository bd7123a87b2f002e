// The DiskSnapshot's external client for the managed reconciler: its lifecycle steps (steps.ts), what the
// provider has of a snapshot (asked directly: snapshots change only by our hand), and what drift means for it:
// nothing can drift but its existence, and a snapshot deleted outside OmniCloud is not taken again (it would
// copy the volume as it is now); it shows as SnapshotLost.
import { requeueAfter, TerminalError } from '../../operator/action.ts';
import type { DiskSnapshotSpec } from '../../crds/schemas/disk-snapshot.ts';
import { withTransaction } from '../db/transaction.ts';
import type { ExternalClient, StepContext } from '../managed/kind.ts';
import { isPending } from '../provider/operations.ts';
import type { DiskSnapshotObj, SnapshotDeps } from './reconcile.ts';
import { SnapshotReasons } from './status.ts';
import { applySnapshotStep, deleteSnapshotStep, type SnapshotStepContext } from './steps.ts';
import { moveSnapshot, readSnapshot, recordPendingSnapshot, type SnapshotRow } from './store.ts';

export interface SnapshotState {
  sizeGiB: number;
}

type Ctx = StepContext<DiskSnapshotObj, DiskSnapshotSpec>;

export function snapshotClient(
  deps: SnapshotDeps,
): ExternalClient<DiskSnapshotObj, DiskSnapshotSpec, SnapshotRow, SnapshotState> {
  const steps = (s: Ctx): SnapshotStepContext => ({ deps, spec: s.spec, now: s.now, log: s.log });
  const move = (s: Ctx, row: SnapshotRow, to: SnapshotRow['phase'], change = {}) =>
    withTransaction(deps.pool, (c) => moveSnapshot(c, row, to, change, s.now()));
  return {
    read: (uid) => readSnapshot(deps.pool, uid),
    async record(s, externalId) {
      if (externalId)
        throw new TerminalError(
          'a DiskSnapshot takes its own snapshot and does not adopt one by the omnicloud.io/external-name annotation; remove it',
          SnapshotReasons.InvalidSpec,
        );
      return withTransaction(deps.pool, (c) =>
        recordPendingSnapshot(
          c,
          {
            uid: s.obj.metadata.uid!,
            namespace: s.obj.metadata.namespace!,
            name: s.obj.metadata.name!,
            tenant: s.tenant,
            volume_name: s.spec.source.volume,
          },
          s.now(),
        ),
      );
    },
    claimedBy: async () => undefined,
    settled: (row) => row.phase === 'Ready',
    create: (s, row) => applySnapshotStep(steps(s), row),
    delete: (s, row) => deleteSnapshotStep(steps(s), row),
    gone: (row) => row.phase === 'Deleted',
    async release(s, row) {
      // Orphan: the snapshot and its manifest stay where they are; only the row is closed.
      if (row.phase === 'Pending') return move(s, row, 'Deleted', { operation_id: null });
      const leaving = row.phase === 'Deleting' ? row : await move(s, row, 'Deleting', {});
      return move(s, leaving, 'Deleted', {});
    },
    desired: (_spec, row) => ({ sizeGiB: row.size_gib ?? 0 }),
    async observe(row) {
      if (!row.provider_id) return { exists: 'unknown' };
      const info = await deps.provider.getSnapshot(row.provider_id);
      if (!info || info.state === 'deleted') return { exists: false };
      return { exists: true, state: { sizeGiB: info.sizeGiB }, raw: info };
    },
    async update() {
      // Nothing of a snapshot can be changed in place.
      return [];
    },
    cannotRevert: () => 'a snapshot cannot be changed; take a new one',
    async recreate(s, row) {
      const message = `snapshot ${row.provider_id} was deleted at the provider outside OmniCloud; it is not taken again (it would copy volume ${row.volume_name} as it is now): delete this DiskSnapshot and take a new one`;
      const lost = await move(s, row, 'Failed', { message });
      return {
        row: lost,
        action: requeueAfter(deps.observeIntervalMs ?? 30_000),
        problem: { reason: SnapshotReasons.SnapshotLost, message },
      };
    },
    async operation(id) {
      const op = await deps.provider.getOperation(id);
      if (isPending(op)) return 'pending';
      return op.status === 'succeeded' ? 'succeeded' : { failed: op.error?.message ?? 'no reason given' };
    },
  };
}
