// `npm run billing:credit-note -- --invoice tenant-acme/2026-10 --amount 12.50 --reason "outage credit"`
import { Command } from 'commander';
import pg from 'pg';
import { migrate } from '../db/migrate.ts';
import { databaseUrlFromEnv } from '../../operator/endpoints.ts';
import { CreditNoteRefused, issueCreditNote } from './credit-notes.ts';

const o = new Command('billing:credit-note')
  .requiredOption('--invoice <namespace/name>')
  .requiredOption('--amount <decimal>')
  .requiredOption('--reason <text>')
  .parse(process.argv)
  .opts<{ invoice: string; amount: string; reason: string }>();
const url = databaseUrlFromEnv('billing_db');
await migrate('billing_db', url);
const pool = new pg.Pool({ connectionString: url, max: 1 });
try {
  const note = await issueCreditNote(pool, o.invoice, o.amount, o.reason);
  console.log(
    `credit note ${note.id}: ${note.amount} ${note.currency} on ${note.invoiceId} (${note.reason})`,
  );
} catch (err) {
  console.error(
    err instanceof CreditNoteRefused ? `refused: ${err.message}` : `failed: ${(err as Error).message}`,
  );
  process.exitCode = err instanceof CreditNoteRefused ? 65 : 1;
} finally {
  await pool.end();
}
