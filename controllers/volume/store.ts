// The Volume's row in infra_db. Every phase change is one transaction that checks the phase it starts from
// (so two writers cannot both move a volume), applies the change and writes the event to the outbox. The
// event carries the size the provider has, which is what storage is billed by.
import type { Pool, PoolClient } from 'pg';
import type { VolumePhase, VolumeType } from '../../crds/schemas/volume.ts';
import type { VolumeInfo } from '../provider/types.ts';
import { recordTransition } from '../events/outbox.ts';
import { assertVolumeTransition } from './lifecycle.ts';
import { updatePhased } from '../managed/phased-update.ts';

export interface VolumeRow {
  uid: string;
  namespace: string;
  name: string;
  region: string;
  zone: string;
  type: VolumeType;
  /** The size the provider has. */
  size_gib: number;
  /** The size asked for; above size_gib while a resize is wanted or under way. */
  requested_gib: number;
  labels: Record<string, string>;
  phase: VolumePhase;
  provider_id: string | null;
  operation_id: string | null;
  create_attempt: number;
  resize_attempt: number;
  message: string | null;
  /** The provider id of the snapshot the volume is created from, fixed when its create is recorded. */
  source_snapshot_id?: string | null;
  /** The Compute the volume is attached to, read with the row by the Volume's client. */
  attached_to?: string | null;
  updated_at?: Date;
}

export type NewVolume = Pick<
  VolumeRow,
  'uid' | 'namespace' | 'name' | 'region' | 'zone' | 'type' | 'size_gib' | 'labels'
>;
export type VolumeChange = Partial<
  Pick<
    VolumeRow,
    | 'size_gib'
    | 'requested_gib'
    | 'provider_id'
    | 'operation_id'
    | 'create_attempt'
    | 'resize_attempt'
    | 'message'
    | 'source_snapshot_id'
  >
>;

/** Another writer moved the volume first; the reconcile starts over from what is recorded. */
export class VolumePhaseConflict extends Error {}

const columns = `uid, namespace, name, region, zone, type, size_gib, requested_gib, labels, phase, provider_id,
  operation_id, create_attempt, resize_attempt, message, source_snapshot_id, updated_at`;

export async function readVolume(db: Pool | PoolClient, uid: string): Promise<VolumeRow | undefined> {
  const { rows } = await db.query<VolumeRow>(`SELECT ${columns} FROM volumes WHERE uid = $1`, [uid]);
  return rows[0];
}

function eventOf(row: VolumeRow, tenant: string, from: VolumePhase | null, to: VolumePhase) {
  return {
    kind: 'Volume' as const,
    uid: row.uid,
    namespace: row.namespace,
    name: row.name,
    tenant,
    from,
    to,
    details: {
      region: row.region,
      zone: row.zone,
      type: row.type,
      sizeGiB: row.size_gib,
      labels: row.labels,
      ...(row.message && to === 'Failed' ? { message: row.message } : {}),
    },
  };
}

/** Records a new volume as Pending (once: a second call finds the row and changes nothing). */
export async function recordPendingVolume(
  client: PoolClient,
  v: NewVolume,
  tenant: string,
  now: Date,
): Promise<VolumeRow> {
  const inserted = await client.query(
    `INSERT INTO volumes (uid, namespace, name, region, zone, type, size_gib, requested_gib, labels, phase)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, 'Pending') ON CONFLICT (uid) DO NOTHING`,
    [v.uid, v.namespace, v.name, v.region, v.zone, v.type, v.size_gib, JSON.stringify(v.labels)],
  );
  const row = (await readVolume(client, v.uid))!;
  if (inserted.rowCount === 1) await recordTransition(client, eventOf(row, tenant, null, 'Pending'), now);
  return row;
}

/** Moves the volume from its recorded phase to `to` with `change`, and writes the event. */
export async function moveVolume(
  client: PoolClient,
  row: VolumeRow,
  to: VolumePhase,
  change: VolumeChange,
  tenant: string,
  now: Date,
): Promise<VolumeRow> {
  assertVolumeTransition(row.phase, to);
  const next = await updateVolume(client, row, change, to);
  await recordTransition(client, eventOf(next, tenant, row.phase, to), now);
  return next;
}

/** Records a change that is not a phase change (an operation id, a wanted size). */
export async function updateVolume(
  client: Pool | PoolClient,
  row: VolumeRow,
  change: VolumeChange,
  phase: VolumePhase = row.phase,
): Promise<VolumeRow> {
  return updatePhased(
    client,
    'volumes',
    row,
    change,
    phase,
    () => new VolumePhaseConflict(`${row.namespace}/${row.name} is no longer ${row.phase}; retrying`),
  );
}

/** Records a volume that exists at the provider as this object's (adoption), Available, with its event; once. */
export async function recordAdoptedVolume(
  client: PoolClient,
  obj: { metadata: { uid?: string; namespace?: string; name?: string; labels?: Record<string, string> } },
  info: VolumeInfo,
  tenant: string,
  now: Date,
): Promise<VolumeRow> {
  const inserted = await client.query(
    `INSERT INTO volumes (uid, namespace, name, region, zone, type, size_gib, requested_gib, labels, phase,
       provider_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, 'Available', $9) ON CONFLICT (uid) DO NOTHING`,
    [
      obj.metadata.uid,
      obj.metadata.namespace,
      obj.metadata.name,
      info.region,
      info.zone,
      info.type,
      info.sizeGiB,
      JSON.stringify(obj.metadata.labels ?? {}),
      info.id,
    ],
  );
  const row = (await readVolume(client, obj.metadata.uid!))!;
  if (inserted.rowCount === 1) {
    const event = eventOf(row, tenant, null, 'Available');
    await recordTransition(
      client,
      { ...event, details: { ...event.details, adopted: true, providerId: info.id } },
      now,
    );
  }
  return row;
}
