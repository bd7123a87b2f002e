// The one way a managed kind records a change to its row: guarded by the phase it was read in, so two
// reconciles (or two operators) that read the same row cannot both move it; the loser is told to retry.
import type { Pool, PoolClient } from 'pg';

export interface PhasedRow {
  uid: string;
  phase: string;
}

/**
 * Sets `change` (column -> value) and `phase` on the row of `table` whose uid and phase are still `row`'s;
 * throws `conflict()` when it is not. Columns named in `json` are jsonb and take JSON text (node-postgres would
 * send a JS array as a PostgreSQL array literal). Returns the row as now recorded.
 */
export async function updatePhased<Row extends PhasedRow, Change extends object>(
  db: Pool | PoolClient,
  table: string,
  row: Row,
  change: Change,
  phase: Row['phase'],
  conflict: () => Error,
  json: readonly string[] = [],
): Promise<Row & Change & { updated_at: Date }> {
  const sets = ['phase = $3', 'updated_at = now()'];
  const values: unknown[] = [row.uid, row.phase, phase];
  for (const [key, value] of Object.entries(change)) {
    values.push(json.includes(key) && value !== null && value !== undefined ? JSON.stringify(value) : value);
    sets.push(`${key} = $${values.length}`);
  }
  const { rowCount } = await db.query(
    `UPDATE ${table} SET ${sets.join(', ')} WHERE uid = $1 AND phase = $2`,
    values,
  );
  if (rowCount !== 1) throw conflict();
  return { ...row, ...change, phase, updated_at: new Date() };
}
