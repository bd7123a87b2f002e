// The ManagedSecret's row in infra_db. Every phase change is one transaction that checks the phase it starts
// from (so two writers cannot both move a secret), applies the change and writes the event to the outbox. The
// row and the event carry the path, versions and times: never the value.
import type { Pool, PoolClient } from 'pg';
import type { ManagedSecretPhase } from '../../crds/schemas/managed-secret.ts';
import { recordTransition } from '../events/outbox.ts';
import { withTransaction } from '../db/transaction.ts';
import { assertSecretTransition } from './lifecycle.ts';
import { updatePhased } from '../managed/phased-update.ts';

export interface SecretRow {
  uid: string;
  namespace: string;
  name: string;
  tenant: string;
  path: string;
  phase: ManagedSecretPhase;
  provider_id: string | null;
  version: number;
  synced_version: number;
  target: string | null;
  adopted: boolean;
  created_at_vault: Date | null;
  rotated_at: Date | null;
  rotate_request: string | null;
  rotating_from: number | null;
  message: string | null;
  updated_at?: Date;
}

export type SecretChange = Partial<
  Pick<
    SecretRow,
    | 'provider_id'
    | 'version'
    | 'synced_version'
    | 'target'
    | 'created_at_vault'
    | 'rotated_at'
    | 'rotate_request'
    | 'rotating_from'
    | 'message'
  >
>;

/**
 * Another writer (a second replica) moved the secret first; the reconcile starts over from what is recorded.
 * A lost race, as a 409 is: retried at once, and not told as a failure in Synced.
 */
export class SecretPhaseConflict extends Error {
  readonly code = 409;
}

const columns = `uid, namespace, name, tenant, path, phase, provider_id, version, synced_version, target, adopted,
  created_at_vault, rotated_at, rotate_request, rotating_from, message, updated_at`;

export async function readSecretRow(db: Pool | PoolClient, uid: string): Promise<SecretRow | undefined> {
  const { rows } = await db.query<SecretRow>(`SELECT ${columns} FROM managed_secrets WHERE uid = $1`, [uid]);
  return rows[0];
}

function eventOf(row: SecretRow, from: ManagedSecretPhase | null, to: ManagedSecretPhase) {
  return {
    kind: 'ManagedSecret' as const,
    uid: row.uid,
    namespace: row.namespace,
    name: row.name,
    tenant: row.tenant,
    from,
    to,
    details: {
      path: row.path,
      version: row.version,
      ...(row.adopted ? { adopted: true } : {}),
      ...(row.target ? { secretName: row.target } : {}),
    },
  };
}

export interface NewSecret {
  uid: string;
  namespace: string;
  name: string;
  tenant: string;
  path: string;
  adopted: boolean;
}

/**
 * Records the secret as Pending (once: a second call finds the row and changes nothing). An adopted path is
 * the object's outside resource from the start, so ObserveOnly observes it without preparing anything.
 */
export async function recordPendingSecret(pool: Pool, s: NewSecret, now: Date): Promise<SecretRow> {
  return withTransaction(pool, async (client) => {
    const inserted = await client.query(
      `INSERT INTO managed_secrets (uid, namespace, name, tenant, path, adopted, provider_id, phase)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 THEN $5 END, 'Pending') ON CONFLICT (uid) DO NOTHING`,
      [s.uid, s.namespace, s.name, s.tenant, s.path, s.adopted],
    );
    const row = (await readSecretRow(client, s.uid))!;
    if (inserted.rowCount === 1) await recordTransition(client, eventOf(row, null, 'Pending'), now);
    return row;
  });
}

/** Moves the secret from its recorded phase to `to` with `change`, and writes the event, in one transaction. */
export async function moveSecret(
  pool: Pool,
  row: SecretRow,
  to: ManagedSecretPhase,
  change: SecretChange,
  now: Date,
): Promise<SecretRow> {
  assertSecretTransition(row.phase, to);
  return withTransaction(pool, async (client) => {
    const next = await updateSecret(client, row, change, to);
    await recordTransition(client, eventOf(next, row.phase, to), now);
    return next;
  });
}

/** Records a change that is not a phase change (a synced version, an accepted outside version). */
export async function updateSecret(
  db: Pool | PoolClient,
  row: SecretRow,
  change: SecretChange,
  phase: ManagedSecretPhase = row.phase,
): Promise<SecretRow> {
  return updatePhased(
    db,
    'managed_secrets',
    row,
    change,
    phase,
    () => new SecretPhaseConflict(`${row.namespace}/${row.name} is no longer ${row.phase}; retrying`),
  );
}

/** The namespaces of every row that ever held `path` (live or closed). */
export async function namespacesOfPath(pool: Pool, path: string): Promise<string[]> {
  const { rows } = await pool.query<{ namespace: string }>(
    'SELECT DISTINCT namespace FROM managed_secrets WHERE path = $1',
    [path],
  );
  return rows.map((r) => r.namespace);
}

export async function liveOwnerOfPath(
  pool: Pool,
  path: string,
  uid: string,
): Promise<{ namespace: string; name: string } | undefined> {
  const { rows } = await pool.query<{ namespace: string; name: string }>(
    `SELECT namespace, name FROM managed_secrets WHERE path = $1 AND uid <> $2 AND phase <> 'Deleted'`,
    [path, uid],
  );
  return rows[0];
}
