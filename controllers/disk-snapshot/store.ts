// The DiskSnapshot's row in infra_db. Every phase change is one transaction that checks the phase it starts
// from (so two writers cannot both move a snapshot), applies the change and writes the event to the outbox.
// The event carries the size the snapshot holds, which is what snapshot storage is measured by.
import type { Pool, PoolClient } from 'pg';
import type { DiskSnapshotPhase } from '../../crds/schemas/disk-snapshot.ts';
import type { VolumeSpec } from '../../crds/schemas/volume.ts';
import { recordTransition } from '../events/outbox.ts';
import { assertSnapshotTransition } from './lifecycle.ts';
import { updatePhased } from '../managed/phased-update.ts';

export interface SnapshotRow {
  uid: string;
  namespace: string;
  name: string;
  tenant: string;
  volume_name: string;
  volume_uid: string | null;
  volume_provider_id: string | null;
  /** The Volume's spec when the snapshot was asked for, for the manifest. */
  volume_spec: VolumeSpec | null;
  region: string | null;
  zone: string | null;
  size_gib: number | null;
  phase: DiskSnapshotPhase;
  provider_id: string | null;
  operation_id: string | null;
  create_attempt: number;
  taken_at: Date | null;
  manifest_key: string | null;
  message: string | null;
  updated_at?: Date;
}

export type SnapshotChange = Partial<
  Pick<
    SnapshotRow,
    | 'volume_uid'
    | 'volume_provider_id'
    | 'volume_spec'
    | 'region'
    | 'zone'
    | 'size_gib'
    | 'provider_id'
    | 'operation_id'
    | 'create_attempt'
    | 'taken_at'
    | 'manifest_key'
    | 'message'
  >
>;

/** Another writer moved the snapshot first; the reconcile starts over from what is recorded. */
export class SnapshotPhaseConflict extends Error {}

const columns = `uid, namespace, name, tenant, volume_name, volume_uid, volume_provider_id, volume_spec, region,
  zone, size_gib, phase, provider_id, operation_id, create_attempt, taken_at, manifest_key, message, updated_at`;

export async function readSnapshot(db: Pool | PoolClient, uid: string): Promise<SnapshotRow | undefined> {
  const { rows } = await db.query<SnapshotRow>(`SELECT ${columns} FROM disk_snapshots WHERE uid = $1`, [uid]);
  return rows[0];
}

function eventOf(row: SnapshotRow, from: DiskSnapshotPhase | null, to: DiskSnapshotPhase) {
  return {
    kind: 'DiskSnapshot' as const,
    uid: row.uid,
    namespace: row.namespace,
    name: row.name,
    tenant: row.tenant,
    from,
    to,
    details: {
      volume: row.volume_name,
      ...(row.region ? { region: row.region } : {}),
      ...(row.zone ? { zone: row.zone } : {}),
      ...(row.size_gib ? { sizeGiB: row.size_gib } : {}),
      ...(row.provider_id ? { providerId: row.provider_id } : {}),
      ...(row.message && to === 'Failed' ? { message: row.message } : {}),
    },
  };
}

/** Records a new snapshot as Pending (once: a second call finds the row and changes nothing). */
export async function recordPendingSnapshot(
  client: PoolClient,
  s: Pick<SnapshotRow, 'uid' | 'namespace' | 'name' | 'tenant' | 'volume_name'>,
  now: Date,
): Promise<SnapshotRow> {
  const inserted = await client.query(
    `INSERT INTO disk_snapshots (uid, namespace, name, tenant, volume_name, phase)
     VALUES ($1, $2, $3, $4, $5, 'Pending') ON CONFLICT (uid) DO NOTHING`,
    [s.uid, s.namespace, s.name, s.tenant, s.volume_name],
  );
  const row = (await readSnapshot(client, s.uid))!;
  if (inserted.rowCount === 1) await recordTransition(client, eventOf(row, null, 'Pending'), now);
  return row;
}

/** Moves the snapshot from its recorded phase to `to` with `change`, and writes the event. */
export async function moveSnapshot(
  client: PoolClient,
  row: SnapshotRow,
  to: DiskSnapshotPhase,
  change: SnapshotChange,
  now: Date,
): Promise<SnapshotRow> {
  assertSnapshotTransition(row.phase, to);
  const next = await updateSnapshot(client, row, change, to);
  await recordTransition(client, eventOf(next, row.phase, to), now);
  return next;
}

/** Records a change that is not a phase change (an operation id). */
export async function updateSnapshot(
  client: Pool | PoolClient,
  row: SnapshotRow,
  change: SnapshotChange,
  phase: DiskSnapshotPhase = row.phase,
): Promise<SnapshotRow> {
  return updatePhased(
    client,
    'disk_snapshots',
    row,
    change,
    phase,
    () => new SnapshotPhaseConflict(`${row.namespace}/${row.name} is no longer ${row.phase}; retrying`),
    ['volume_spec'],
  );
}
