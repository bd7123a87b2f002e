// The crash-safe record of a Compute's volume attachments in infra_db (volume_attachments): the intent to attach
// or detach, with the attempt its idempotency token is derived from, is recorded with its event in one
// transaction before the provider is called; the operation id and the outcome after. A volume has one writer:
// the unique index lets at most one attachment of a volume be anything but Detached, so two Computes asking for
// the same volume cannot both record it.
import type { Pool, PoolClient } from 'pg';
import { recordTransition } from '../events/outbox.ts';
import { withTransaction } from '../db/transaction.ts';

export type AttachmentPhase = 'Attaching' | 'Attached' | 'Detaching' | 'Detached';

export interface AttachmentRow {
  instance_uid: string;
  volume_name: string;
  namespace: string;
  compute_name: string;
  volume_uid: string;
  volume_provider_id: string;
  instance_provider_id: string;
  phase: AttachmentPhase;
  operation_id: string | null;
  attempt: number;
  message: string | null;
}

/** The volume is held by another Compute's attachment (the one-writer index said so). */
export class VolumeHeld extends Error {
  constructor(readonly holder: string) {
    super(`held by ${holder}`);
  }
}

const columns = `instance_uid, volume_name, namespace, compute_name, volume_uid, volume_provider_id,
  instance_provider_id, phase, operation_id, attempt, message`;

export async function readAttachments(db: Pool | PoolClient, instanceUid: string): Promise<AttachmentRow[]> {
  const { rows } = await db.query<AttachmentRow>(
    `SELECT ${columns} FROM volume_attachments WHERE instance_uid = $1 ORDER BY volume_name`,
    [instanceUid],
  );
  return rows;
}

/** The Compute (same namespace) that holds a volume, if any: an attachment of it that is not Detached. */
export async function holderOf(db: Pool | PoolClient, volumeUid: string): Promise<AttachmentRow | undefined> {
  const { rows } = await db.query<AttachmentRow>(
    `SELECT ${columns} FROM volume_attachments WHERE volume_uid = $1 AND phase <> 'Detached'`,
    [volumeUid],
  );
  return rows[0];
}

/** The attachment event on the compute topic, in the caller's transaction. */
function tell(c: PoolClient, a: AttachmentRow, from: AttachmentPhase | null, tenant: string, now: Date) {
  return recordTransition(
    c,
    {
      kind: 'Compute',
      uid: a.instance_uid,
      namespace: a.namespace,
      name: a.compute_name,
      tenant,
      from: from ? `Volume${from}` : null,
      to: `Volume${a.phase}`,
      details: { volume: a.volume_name, volumeId: a.volume_provider_id, instanceId: a.instance_provider_id },
    },
    now,
  );
}

/**
 * Records the intent to attach (a new attempt, so a new token); refused with VolumeHeld when another
 * attachment holds the volume.
 */
export async function recordAttaching(
  pool: Pool,
  a: Omit<AttachmentRow, 'phase' | 'operation_id' | 'attempt' | 'message'>,
  tenant: string,
  now: Date,
): Promise<AttachmentRow> {
  return withTransaction(pool, async (c) => {
    const before = await c.query<AttachmentRow>(
      `SELECT ${columns} FROM volume_attachments WHERE instance_uid = $1 AND volume_name = $2 FOR UPDATE`,
      [a.instance_uid, a.volume_name],
    );
    const prior = before.rows[0];
    try {
      await c.query('SAVEPOINT attach');
      const { rows } = await c.query<AttachmentRow>(
        `INSERT INTO volume_attachments (instance_uid, volume_name, namespace, compute_name, volume_uid,
           volume_provider_id, instance_provider_id, phase, attempt)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'Attaching', 0)
         ON CONFLICT (instance_uid, volume_name) DO UPDATE SET phase = 'Attaching', volume_uid = $5,
           volume_provider_id = $6, instance_provider_id = $7, operation_id = NULL, message = NULL,
           attempt = volume_attachments.attempt + 1, updated_at = now()
         RETURNING ${columns}`,
        [
          a.instance_uid,
          a.volume_name,
          a.namespace,
          a.compute_name,
          a.volume_uid,
          a.volume_provider_id,
          a.instance_provider_id,
        ],
      );
      await tell(c, rows[0]!, prior?.phase ?? null, tenant, now);
      return rows[0]!;
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      await c.query('ROLLBACK TO SAVEPOINT attach');
      const holder = await holderOf(c, a.volume_uid);
      throw new VolumeHeld(holder ? `Compute ${holder.compute_name}` : 'another Compute');
    }
  });
}

/** Moves an attachment to `to` (with its event), from the phase it was read in. */
export async function moveAttachment(
  pool: Pool,
  a: AttachmentRow,
  to: AttachmentPhase,
  change: { operation_id?: string | null; message?: string | null; attempt?: number },
  tenant: string,
  now: Date,
): Promise<AttachmentRow> {
  return withTransaction(pool, async (c) => {
    const next = { ...a, ...change, phase: to };
    const { rowCount } = await c.query(
      `UPDATE volume_attachments SET phase = $3, operation_id = $4, message = $5, attempt = $6, updated_at = now()
        WHERE instance_uid = $1 AND volume_name = $2 AND phase = $7`,
      [a.instance_uid, a.volume_name, to, next.operation_id, next.message, next.attempt, a.phase],
    );
    if (rowCount !== 1) throw new Error(`attachment of ${a.volume_name} is no longer ${a.phase}; retrying`);
    if (to !== a.phase) await tell(c, next, a.phase, tenant, now);
    return next;
  });
}

/** Records the operation a call returned (no phase change). */
export async function recordAttachmentOperation(
  pool: Pool,
  a: AttachmentRow,
  operationId: string,
): Promise<AttachmentRow> {
  await pool.query(
    `UPDATE volume_attachments SET operation_id = $3, updated_at = now()
      WHERE instance_uid = $1 AND volume_name = $2`,
    [a.instance_uid, a.volume_name, operationId],
  );
  return { ...a, operation_id: operationId };
}

/** The Compute a volume is attached to now, for the Volume's status. */
export async function attachedComputeOf(db: Pool, volumeUid: string): Promise<string | undefined> {
  const { rows } = await db.query<{ compute_name: string }>(
    `SELECT compute_name FROM volume_attachments WHERE volume_uid = $1 AND phase = 'Attached'`,
    [volumeUid],
  );
  return rows[0]?.compute_name;
}

/**
 * Lets go of a Compute's attachments when its instance is left at the provider (deletionPolicy Orphan): the
 * volumes stay attached there, but no object of OmniCloud holds them any more, so their Volumes can be deleted
 * and another Compute's attach is answered by the provider (which names the instance holding it).
 */
export async function releaseAttachments(c: PoolClient, instanceUid: string): Promise<void> {
  await c.query(
    `UPDATE volume_attachments SET phase = 'Detached', operation_id = NULL, updated_at = now(),
       message = 'left attached at the provider with its instance (deletionPolicy Orphan)'
      WHERE instance_uid = $1 AND phase <> 'Detached'`,
    [instanceUid],
  );
}
