// The Volume's external client for the managed reconciler: its lifecycle steps (steps.ts), what the provider
// has of a volume (from the zone observer's last listing, or asked directly), and what drift means for it: a
// volume grown outside OmniCloud is recorded at its new size (storage is billed by it) and cannot be shrunk.
import type { Logger } from 'pino';
import type { PoolClient } from 'pg';
import { requeueAfter, TerminalError } from '../../operator/action.ts';
import type { VolumeSpec } from '../../crds/schemas/volume.ts';
import { withTransaction } from '../db/transaction.ts';
import type { ExternalClient, Observation, StepContext } from '../managed/kind.ts';
import { ZoneObserver } from '../managed/observer.ts';
import { adoptionRefusedByOwner } from '../managed/ownership.ts';
import { isPending } from '../provider/operations.ts';
import { attachedComputeOf, holderOf } from '../compute/attachment-store.ts';
import type { VolumeInfo } from '../provider/types.ts';
import type { VolumeDeps, VolumeObj } from './reconcile.ts';
import { VolumeReasons } from './status.ts';
import { applyVolumeStep, deleteVolumeStep, type VolumeStepContext } from './steps.ts';
import { moveVolume, readVolume, recordAdoptedVolume, recordPendingVolume, type VolumeRow } from './store.ts';

export interface VolumeState {
  sizeGiB: number;
  type: string;
}

const stateOf = (info: VolumeInfo): VolumeState => ({ sizeGiB: info.sizeGiB, type: info.type });

/** How long after its last change a volume the provider does not show is taken as not visible yet. */
const visibilityGraceMs = 15_000;

export function volumeObserver(deps: VolumeDeps, log: Logger): ZoneObserver<VolumeInfo> {
  return new ZoneObserver<VolumeInfo>(
    'volumes',
    async (scope, pageToken) => {
      const page = await deps.provider.listVolumes({ region: scope.region, zone: scope.zone!, pageToken });
      return { items: page.items.map((v) => ({ id: v.id, state: v })), nextPageToken: page.nextPageToken };
    },
    deps.observeIntervalMs ?? 30_000,
    log,
  );
}

type Ctx = StepContext<VolumeObj, VolumeSpec>;

export function volumeClient(
  deps: VolumeDeps,
  observer: ZoneObserver<VolumeInfo> | undefined,
): ExternalClient<VolumeObj, VolumeSpec, VolumeRow, VolumeState> {
  const steps = (s: Ctx): VolumeStepContext => ({
    deps,
    spec: s.spec,
    namespace: s.obj.metadata.namespace!,
    tenant: s.tenant,
    now: s.now,
    log: s.log,
  });
  const scopeOf = (row: VolumeRow) => ({ region: row.region, zone: row.zone });
  const stopTracking = (row: VolumeRow) => {
    if (row.provider_id) observer?.untrack(scopeOf(row), row.provider_id);
  };
  const move = (s: Ctx, row: VolumeRow, to: VolumeRow['phase'], change = {}, c?: PoolClient) =>
    c
      ? moveVolume(c, row, to, change, s.tenant, s.now())
      : withTransaction(deps.pool, (tx) => moveVolume(tx, row, to, change, s.tenant, s.now()));

  async function confirmGone(row: VolumeRow): Promise<Observation<VolumeState>> {
    const info = await deps.provider.getVolume(row.provider_id!);
    const gone = !info || info.state === 'deleted';
    observer?.saw(scopeOf(row), row.provider_id!, gone ? undefined : info);
    if (gone) {
      const since = Date.now() - (row.updated_at ? new Date(row.updated_at).getTime() : 0);
      return since < visibilityGraceMs ? { exists: 'unknown' } : { exists: false };
    }
    return { exists: true, state: stateOf(info), raw: info };
  }

  return {
    async read(uid) {
      const row = await readVolume(deps.pool, uid);
      return row && { ...row, attached_to: (await attachedComputeOf(deps.pool, uid)) ?? null };
    },
    async record(s, externalId) {
      if (externalId) {
        // Asked of infra_db first: the provider is never asked about another tenant's volume for this one.
        const { rows } = await deps.pool.query<{ namespace: string }>(
          'SELECT DISTINCT namespace FROM volumes WHERE provider_id = $1',
          [externalId],
        );
        const refusal = adoptionRefusedByOwner(
          'volume',
          externalId,
          s.tenant,
          rows.map((r) => r.namespace),
        );
        if (refusal) throw refusal;
        const info = await deps.provider.getVolume(externalId);
        if (!info || info.state === 'deleted')
          throw new TerminalError(
            `the provider has no volume ${externalId} to adopt; fix the omnicloud.io/external-name annotation`,
            'ExternalResourceNotFound',
          );
        return withTransaction(deps.pool, (c) => recordAdoptedVolume(c, s.obj, info, s.tenant, s.now()));
      }
      return withTransaction(deps.pool, (c) =>
        recordPendingVolume(
          c,
          {
            uid: s.obj.metadata.uid!,
            namespace: s.obj.metadata.namespace!,
            name: s.obj.metadata.name!,
            region: s.spec.region,
            zone: s.spec.zone,
            type: s.spec.type,
            size_gib: s.spec.sizeGiB,
            labels: s.obj.metadata.labels ?? {},
          },
          s.tenant,
          s.now(),
        ),
      );
    },
    async claimedBy(externalId, uid) {
      const { rows } = await deps.pool.query<{ namespace: string; name: string }>(
        `SELECT namespace, name FROM volumes WHERE provider_id = $1 AND uid <> $2 AND phase <> 'Deleted'`,
        [externalId, uid],
      );
      return rows[0];
    },
    settled: (row, spec) =>
      row.phase === 'Available' && row.requested_gib === row.size_gib && row.size_gib >= spec.sizeGiB,
    create: (s, row) => applyVolumeStep(steps(s), row),
    async delete(s, row) {
      // Never deleted from under an instance: it waits until its Compute lets it go.
      const holder = row.phase === 'Deleting' ? undefined : await holderOf(deps.pool, row.uid);
      if (holder)
        return {
          row,
          action: requeueAfter(3_000),
          problem: {
            reason: VolumeReasons.VolumeAttached,
            message: `the volume is attached to Compute ${holder.compute_name}; it is deleted once detached: remove it from that Compute's spec.volumes or delete the Compute`,
          },
        };
      const result = await deleteVolumeStep(steps(s), row);
      if (result.row.phase === 'Deleted') stopTracking(result.row);
      return result;
    },
    gone: (row) => row.phase === 'Deleted',
    async release(s, row) {
      stopTracking(row);
      const orphaned = { operation_id: null };
      return withTransaction(deps.pool, async (c) => {
        if (row.phase === 'Pending') return move(s, row, 'Deleted', orphaned, c);
        const leaving = row.phase === 'Deleting' ? row : await move(s, row, 'Deleting', orphaned, c);
        return move(s, leaving, 'Deleted', orphaned, c);
      });
    },
    desired: (spec) => ({ sizeGiB: spec.sizeGiB, type: spec.type }),
    async observe(row, fresh) {
      if (!row.provider_id) return { exists: 'unknown' };
      if (!fresh && observer?.active) {
        observer.track(scopeOf(row), row.provider_id, `${row.namespace}/${row.name}`);
        const seen = observer.lookup(scopeOf(row), row.provider_id, row.updated_at);
        if (seen.exists === true) return { exists: true, state: stateOf(seen.state), raw: seen.state };
        if (seen.exists === 'unknown') return seen;
      }
      return confirmGone(row);
    },
    async interpret(s, row, raw) {
      const info = raw as VolumeInfo;
      if (info.state === 'failed') {
        const message = info.message ?? 'the provider reports the volume failed';
        return {
          row: await move(s, row, 'Failed', { message }),
          action: requeueAfter(5_000),
          problem: { reason: VolumeReasons.VolumeFailed, message },
        };
      }
      if (info.sizeGiB > row.size_gib) {
        // Grown outside OmniCloud: the volume is billed by the size it has, so that is what is recorded.
        const grown = {
          size_gib: info.sizeGiB,
          requested_gib: info.sizeGiB,
          operation_id: null,
          message: null,
        };
        const next = await withTransaction(deps.pool, async (c) => {
          const resizing = await moveVolume(c, row, 'Resizing', {}, s.tenant, s.now());
          return moveVolume(c, resizing, 'Available', grown, s.tenant, s.now());
        });
        return { row: next };
      }
      return undefined;
    },
    cannotRevert: (r) =>
      r.path === 'sizeGiB' && Number(r.actual) > Number(r.desired)
        ? 'a volume cannot shrink; raise spec.sizeGiB to the size it has, or accept the drift'
        : r.path === 'type'
          ? 'a volume cannot change type in place'
          : undefined,
    async update(s, row, records, token) {
      // Only a size below the spec is put back: a volume can grow, never shrink or change type.
      if (!records.some((r) => r.path === 'sizeGiB')) return [];
      return [(await deps.provider.resizeVolume(row.provider_id!, s.spec.sizeGiB, `${token}:size`)).id];
    },
    async recreate(s, row, why) {
      stopTracking(row);
      const failed = await move(s, row, 'Failed', {
        message: why,
        provider_id: null,
        operation_id: null,
        create_attempt: row.create_attempt + 1,
      });
      return { row: await move(s, failed, 'Pending', { message: null }), action: 'continue' };
    },
    async operation(id) {
      const op = await deps.provider.getOperation(id);
      if (isPending(op)) return 'pending';
      return op.status === 'succeeded' ? 'succeeded' : { failed: op.error?.message ?? 'no reason given' };
    },
  };
}
