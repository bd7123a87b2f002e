// Outside resources a kind let go of (deletionPolicy Orphan) whose own row goes with the object, kept in infra_db
// by kind and provider id with the namespace and tenant that held them: ownership checks read them beside the
// kind's rows, so the resource stays that tenant's at the provider. Removed when the resource is deleted
// through OmniCloud.
import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;

export interface Released {
  kind: string;
  providerId: string;
  namespace: string;
  tenant: string;
}

/** Records the release in the caller's transaction; a second release of the same resource takes its holder. */
export async function recordReleased(db: Db, r: Released, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO released_resources (kind, provider_id, namespace, tenant, released_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (kind, provider_id) DO UPDATE
       SET namespace = EXCLUDED.namespace, tenant = EXCLUDED.tenant, released_at = EXCLUDED.released_at`,
    [r.kind, r.providerId, r.namespace, r.tenant, now],
  );
}

export async function forgetReleased(db: Db, kind: string, providerId: string): Promise<void> {
  await db.query('DELETE FROM released_resources WHERE kind = $1 AND provider_id = $2', [kind, providerId]);
}

/** The namespaces that released the resource (none, or the one that let it go last). */
export async function releasedFrom(db: Db, kind: string, providerId: string): Promise<string[]> {
  const { rows } = await db.query<{ namespace: string }>(
    'SELECT namespace FROM released_resources WHERE kind = $1 AND provider_id = $2',
    [kind, providerId],
  );
  return rows.map((r) => r.namespace);
}
