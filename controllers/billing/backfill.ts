// The currency backfill: copies each tenant's billing currency into billing_db's accounts, then fills the
// currency of invoices that have none, in batches. Each batch commits together with its checkpoint, so a
// job stopped at any point (killed, or told to stop) resumes after the last committed batch; re-running a
// batch is harmless because every write only fills what is still empty or sets the same value.
import type { Pool } from 'pg';

export const backfillJob = 'currency-backfill';

export interface BackfillProgress {
  phase: 'tenants' | 'invoices' | 'done';
  rowsDone: number;
  lastKey: string;
  batches: number;
}

interface Checkpoint {
  phase: 'tenants' | 'invoices';
  last_key: string;
  rows_done: string;
  finished_at: Date | null;
}

async function checkpoint(billing: Pool): Promise<Checkpoint | undefined> {
  const { rows } = await billing.query<Checkpoint>(
    'SELECT phase, last_key, rows_done, finished_at FROM backfill_checkpoints WHERE job = $1',
    [backfillJob],
  );
  return rows[0];
}

export interface BackfillOptions {
  batchSize?: number;
  /** Stop after this many batches (to spread the work out, or to test resuming). */
  maxBatches?: number;
  onBatch?: (p: BackfillProgress) => void;
}

export async function runCurrencyBackfill(
  tenants: Pool,
  billing: Pool,
  opts: BackfillOptions = {},
): Promise<BackfillProgress> {
  const size = opts.batchSize ?? 500;
  const cp = await checkpoint(billing);
  if (cp?.finished_at)
    return { phase: 'done', rowsDone: Number(cp.rows_done), lastKey: cp.last_key, batches: 0 };
  let phase: 'tenants' | 'invoices' = cp?.phase ?? 'tenants';
  let lastKey = cp?.last_key ?? '';
  let rowsDone = Number(cp?.rows_done ?? 0);
  let batches = 0;
  for (;;) {
    if (opts.maxBatches !== undefined && batches >= opts.maxBatches)
      return { phase, rowsDone, lastKey, batches };
    const client = await billing.connect();
    try {
      await client.query('BEGIN');
      let n = 0;
      let next = lastKey;
      if (phase === 'tenants') {
        const { rows } = await tenants.query<{ name: string; billing_currency: string }>(
          'SELECT name, billing_currency FROM tenants WHERE name > $1 ORDER BY name LIMIT $2',
          [lastKey, size],
        );
        n = rows.length;
        if (n > 0) {
          await client.query(
            `INSERT INTO tenant_accounts (tenant, currency, backfilled_at)
             SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
             ON CONFLICT (tenant) DO UPDATE SET currency = COALESCE(tenant_accounts.currency, EXCLUDED.currency),
               backfilled_at = COALESCE(tenant_accounts.backfilled_at, EXCLUDED.backfilled_at)`,
            [rows.map((r) => r.name), rows.map((r) => r.billing_currency), rows.map(() => new Date())],
          );
          next = rows[rows.length - 1]!.name;
        }
      } else {
        const { rows } = await client.query<{ id: string }>(
          `WITH batch AS (
             SELECT i.id, a.currency FROM invoices i JOIN tenant_accounts a ON a.tenant = i.tenant
              WHERE i.id > $1 AND i.currency IS NULL AND a.currency IS NOT NULL ORDER BY i.id LIMIT $2)
           UPDATE invoices SET currency = batch.currency FROM batch WHERE invoices.id = batch.id RETURNING invoices.id`,
          [lastKey, size],
        );
        n = rows.length;
        if (n > 0)
          next = rows
            .map((r) => r.id)
            .sort()
            .at(-1)!;
      }
      const finishedPhase = n < size;
      const nextPhase = finishedPhase && phase === 'tenants' ? 'invoices' : phase;
      const finished = finishedPhase && phase === 'invoices';
      await client.query(
        `INSERT INTO backfill_checkpoints (job, phase, last_key, rows_done, finished_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (job) DO UPDATE SET phase = EXCLUDED.phase, last_key = EXCLUDED.last_key,
           rows_done = EXCLUDED.rows_done, finished_at = EXCLUDED.finished_at, updated_at = now()`,
        [backfillJob, nextPhase, nextPhase !== phase ? '' : next, rowsDone + n, finished ? new Date() : null],
      );
      await client.query('COMMIT');
      rowsDone += n;
      batches++;
      lastKey = nextPhase !== phase ? '' : next;
      opts.onBatch?.({ phase, rowsDone, lastKey: next, batches });
      if (finished) return { phase: 'done', rowsDone, lastKey: next, batches };
      phase = nextPhase;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
