// Drift history as it is queried: every drift found, accepted, remediated or left at the provider, for a
// tenant, newest first, optionally for one kind or object and from a UTC time on.
import type { Pool } from 'pg';

export interface HistoryQuery {
  tenant: string;
  kind?: string;
  namespace?: string;
  name?: string;
  since?: Date;
  limit?: number;
}

export interface HistoryEntry {
  at: Date;
  kind: string;
  namespace: string;
  name: string;
  event: string;
  path: string | null;
  drift_type: string | null;
  severity: string | null;
  desired: unknown;
  actual: unknown;
  action: string | null;
  plan_hash: string | null;
  detail: string | null;
}

export async function driftHistory(pool: Pool, q: HistoryQuery): Promise<HistoryEntry[]> {
  const where = ['tenant = $1'];
  const values: unknown[] = [q.tenant];
  const add = (column: string, value: unknown) => {
    values.push(value);
    where.push(`${column} $${values.length}`);
  };
  if (q.kind) add('kind =', q.kind);
  if (q.namespace) add('namespace =', q.namespace);
  if (q.name) add('name =', q.name);
  if (q.since) add('at >=', q.since);
  values.push(q.limit ?? 200);
  const { rows } = await pool.query<HistoryEntry>(
    `SELECT at, kind, namespace, name, event, path, drift_type, severity, desired, actual, action, plan_hash,
       detail FROM drift_history WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT $${values.length}`,
    values,
  );
  return rows;
}

/** One line per entry, for a terminal. */
export function historyLine(e: HistoryEntry): string {
  const what = e.path
    ? `${e.path} ${e.drift_type} (${e.severity})${e.action ? ` ${e.action}` : ''}: ${JSON.stringify(e.desired ?? null)} -> ${JSON.stringify(e.actual ?? null)}`
    : (e.detail ?? '');
  const plan = e.plan_hash ? ` [plan ${e.plan_hash}]` : '';
  return `${e.at.toISOString()}  ${e.kind} ${e.namespace}/${e.name}  ${e.event}  ${what}${plan}`;
}
