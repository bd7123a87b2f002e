// The ConfigSet's row and its version history in infra_db. A phase change is one transaction that checks the
// phase it starts from, applies the change and writes the event; a new version is inserted in the same
// transaction as the move to Applying that names it, so the version exists if and only if the intent to write
// it to the ConfigMap was recorded. History is read by uid and tenant together, never by uid alone.
import type { Pool, PoolClient } from 'pg';
import type { ConfigSetPhase } from '../../crds/schemas/config-set.ts';
import { recordTransition } from '../events/outbox.ts';
import type { ConfigContent } from './content.ts';
import { assertConfigSetTransition } from './lifecycle.ts';
import { updatePhased } from '../managed/phased-update.ts';

export interface ConfigSetRow {
  uid: string;
  namespace: string;
  name: string;
  tenant: string;
  phase: ConfigSetPhase;
  /** namespace/name of the ConfigMap, fixed when the ConfigSet is recorded (the column provider_id). */
  config_map: string;
  /**
   * The ConfigMap once a version has been written to it, else null: the managed reconciler reads a provider id
   * as "the outside resource exists" (a NoUpdate ConfigSet still gets its first version, and no later one).
   */
  provider_id: string | null;
  current_version: number | null;
  current_hash: string | null;
  applying_version: number | null;
  desired_key: string | null;
  message: string | null;
  updated_at?: Date;
  /** The content of current_version, read from the history with the row (not a column of its own). */
  current_content?: ConfigContent | null;
}

export interface ConfigVersion {
  version: number;
  hash: string;
  content: ConfigContent;
  generation: number | null;
  source: string;
  created_at: Date;
}

export type ConfigSetChange = Partial<
  Pick<ConfigSetRow, 'current_version' | 'current_hash' | 'applying_version' | 'desired_key' | 'message'>
>;

/** Another writer moved the ConfigSet first; the reconcile starts over from what is recorded. */
export class ConfigSetPhaseConflict extends Error {}

export async function readConfigSet(db: Pool | PoolClient, uid: string): Promise<ConfigSetRow | undefined> {
  const { rows } = await db.query<ConfigSetRow>(
    `SELECT c.uid, c.namespace, c.name, c.tenant, c.phase, c.provider_id AS config_map,
            CASE WHEN c.current_version IS NULL THEN NULL ELSE c.provider_id END AS provider_id,
            c.current_version, c.current_hash,
            c.applying_version, c.desired_key, c.message, c.updated_at, v.content AS current_content
       FROM config_sets c
       LEFT JOIN config_versions v ON v.uid = c.uid AND v.tenant = c.tenant AND v.version = c.current_version
      WHERE c.uid = $1`,
    [uid],
  );
  return rows[0];
}

function eventOf(row: ConfigSetRow, from: ConfigSetPhase | null, to: ConfigSetPhase) {
  return {
    kind: 'ConfigSet' as const,
    uid: row.uid,
    namespace: row.namespace,
    name: row.name,
    tenant: row.tenant,
    from,
    to,
    // Versions and hashes only: consumers read the content from the ConfigMap, not from the bus.
    details: {
      configMap: row.config_map,
      ...(row.current_version ? { version: row.current_version, hash: row.current_hash } : {}),
      ...(row.applying_version ? { applyingVersion: row.applying_version } : {}),
    },
  };
}

/** Records a new ConfigSet as Pending (once: a second call finds the row and changes nothing). */
export async function recordPendingConfigSet(
  client: PoolClient,
  v: Pick<ConfigSetRow, 'uid' | 'namespace' | 'name' | 'tenant' | 'config_map'>,
  now: Date,
): Promise<ConfigSetRow> {
  const inserted = await client.query(
    `INSERT INTO config_sets (uid, namespace, name, tenant, phase, provider_id)
     VALUES ($1, $2, $3, $4, 'Pending', $5) ON CONFLICT (uid) DO NOTHING`,
    [v.uid, v.namespace, v.name, v.tenant, v.config_map],
  );
  const row = (await readConfigSet(client, v.uid))!;
  if (inserted.rowCount === 1) await recordTransition(client, eventOf(row, null, 'Pending'), now);
  return row;
}

export async function updateConfigSet(
  client: Pool | PoolClient,
  row: ConfigSetRow,
  change: ConfigSetChange,
  phase: ConfigSetPhase = row.phase,
): Promise<ConfigSetRow> {
  return updatePhased(
    client,
    'config_sets',
    row,
    change,
    phase,
    () => new ConfigSetPhaseConflict(`${row.namespace}/${row.name} is no longer ${row.phase}; retrying`),
  );
}

/** Moves the ConfigSet from its recorded phase to `to` with `change`, and writes the event. */
export async function moveConfigSet(
  client: PoolClient,
  row: ConfigSetRow,
  to: ConfigSetPhase,
  change: ConfigSetChange,
  now: Date,
): Promise<ConfigSetRow> {
  assertConfigSetTransition(row.phase, to);
  const next = await updateConfigSet(client, row, change, to);
  await recordTransition(client, eventOf(next, row.phase, to), now);
  return next;
}

/** The next version number of a ConfigSet (1 for the first), read in the caller's transaction. */
async function nextVersion(client: PoolClient, uid: string, tenant: string): Promise<number> {
  const { rows } = await client.query<{ v: number | null }>(
    'SELECT max(version) AS v FROM config_versions WHERE uid = $1 AND tenant = $2',
    [uid, tenant],
  );
  return (rows[0]?.v ?? 0) + 1;
}

/**
 * Appends a version with its content and hash, and moves the ConfigSet to Applying it, in one transaction: a
 * crash before the commit leaves neither, after it both (and the next reconcile writes that version).
 */
export async function recordNewVersion(
  client: PoolClient,
  row: ConfigSetRow,
  v: {
    hash: string;
    content: ConfigContent;
    generation: number | undefined;
    source: string;
    desiredKey: string;
  },
  now: Date,
): Promise<ConfigSetRow> {
  // The row lock orders two writers of one ConfigSet: the second finds the phase moved and starts over.
  await client.query('SELECT 1 FROM config_sets WHERE uid = $1 FOR UPDATE', [row.uid]);
  const version = await nextVersion(client, row.uid, row.tenant);
  await client.query(
    `INSERT INTO config_versions (uid, tenant, version, hash, content, generation, source, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [row.uid, row.tenant, version, v.hash, JSON.stringify(v.content), v.generation ?? null, v.source, now],
  );
  return moveConfigSet(
    client,
    row,
    'Applying',
    { applying_version: version, desired_key: v.desiredKey, message: null },
    now,
  );
}

/** One version of this ConfigSet in this tenant, or undefined: another object's history is never read. */
export async function readVersion(
  db: Pool | PoolClient,
  uid: string,
  tenant: string,
  version: number,
): Promise<ConfigVersion | undefined> {
  const { rows } = await db.query<ConfigVersion>(
    `SELECT version, hash, content, generation, source, created_at FROM config_versions
      WHERE uid = $1 AND tenant = $2 AND version = $3`,
    [uid, tenant, version],
  );
  return rows[0];
}

/** The history of this ConfigSet in this tenant, oldest first. */
export async function readHistory(
  db: Pool | PoolClient,
  uid: string,
  tenant: string,
): Promise<ConfigVersion[]> {
  const { rows } = await db.query<ConfigVersion>(
    `SELECT version, hash, content, generation, source, created_at FROM config_versions
      WHERE uid = $1 AND tenant = $2 ORDER BY version`,
    [uid, tenant],
  );
  return rows;
}

/** The ConfigMap a row delivers, as namespace and name. */
export function configMapOf(row: Pick<ConfigSetRow, 'config_map'>): { namespace: string; name: string } {
  const [namespace, name] = row.config_map.split('/') as [string, string];
  return { namespace, name };
}
