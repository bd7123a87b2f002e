// Reads a tenant's state for a snapshot: every OmniCloud object in its namespace from the API server, and its
// rows in infra_db (every table keyed by the tenant's namespace or name, and the subnets and addresses of its
// networks). Secret values are never read: they live in the Vault-API server, and a column whose name says
// secret, password, token or key is left out whatever table holds it.
import * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import { escapeIdentifier } from 'pg';
import { kinds } from '../../crds/schemas/index.ts';
import { group, version } from '../../crds/schemas/common.ts';
import { tenantNamespace } from '../tenant/children.ts';
import {
  formatVersion,
  snapshotObject,
  withoutSecrets,
  type SnapshotObject,
  type StateSnapshot,
} from './document.ts';

/** History and plumbing, not state. */
const skippedTables = new Set(['outbox', 'drift_history', 'pgmigrations']);

export class NothingToSnapshot extends Error {}

const notFound = (err: unknown) => (err as { code?: number }).code === 404;

/** The namespaced OmniCloud kinds the API server serves (a CRD not installed is skipped). */
export async function readObjects(kc: k8s.KubeConfig, namespaces: string[]): Promise<SnapshotObject[]> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const out: SnapshotObject[] = [];
  for (const kind of kinds.filter((k) => k.scope === 'Namespaced')) {
    for (const namespace of namespaces) {
      let list: { items?: object[] };
      try {
        list = (await api.listNamespacedCustomObject({ group, version, namespace, plural: kind.plural })) as {
          items?: object[];
        };
      } catch (err) {
        if (notFound(err)) continue;
        throw err;
      }
      // A list's items carry no apiVersion and kind of their own.
      for (const item of list.items ?? []) {
        out.push(snapshotObject({ apiVersion: `${group}/${version}`, kind: kind.kind, ...item }));
      }
    }
  }
  return out;
}

/** Which rows of a table belong to the tenant, by the columns it has. */
function tenantFilter(columns: Set<string>): string | undefined {
  if (columns.has('namespace')) return 'namespace = ANY($1::text[])';
  if (columns.has('scope')) return 'scope = ANY($1::text[])';
  if (columns.has('tenant')) return 'tenant = $1::text';
  if (columns.has('network_uid')) {
    return 'network_uid IN (SELECT uid FROM networks WHERE scope = ANY($1::text[]))';
  }
  return undefined;
}

export async function readRows(
  pool: Pool,
  tenant: string,
  namespaces: string[],
): Promise<Record<string, Record<string, unknown>[]>> {
  const cols = await pool.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'`,
  );
  const tables = new Map<string, Set<string>>();
  for (const r of cols.rows) {
    if (!tables.has(r.table_name)) tables.set(r.table_name, new Set());
    tables.get(r.table_name)!.add(r.column_name);
  }
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [table, columns] of [...tables].sort(([a], [b]) => a.localeCompare(b))) {
    if (skippedTables.has(table)) continue;
    const where = tenantFilter(columns);
    if (!where) continue;
    const t = escapeIdentifier(table);
    const rows = await pool.query<{ r: Record<string, unknown> }>(
      `SELECT row_to_json(t) AS r FROM ${t} t WHERE ${where} ORDER BY t::text`,
      [where.startsWith('tenant') ? tenant : namespaces],
    );
    out[table] = rows.rows.map((x) => withoutSecrets(x.r));
  }
  return out;
}

export async function collectSnapshot(
  kc: k8s.KubeConfig,
  infra: Pool,
  tenant: string,
  id: string,
  now: Date,
): Promise<StateSnapshot> {
  const namespaces = [tenantNamespace(tenant)];
  try {
    await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: namespaces[0]! });
  } catch (err) {
    if (notFound(err))
      throw new NothingToSnapshot(`tenant ${tenant} has no namespace ${namespaces[0]}; nothing to snapshot`);
    throw err;
  }
  return {
    formatVersion,
    id,
    tenant,
    takenAt: now.toISOString(),
    namespaces,
    objects: await readObjects(kc, namespaces),
    tables: await readRows(infra, tenant, namespaces),
  };
}
