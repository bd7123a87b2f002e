// `npm run billing:backfill [-- --batch-size 500]`: runs (or resumes) the currency backfill, printing progress.
import { Command } from 'commander';
import pg from 'pg';
import { migrate } from '../db/migrate.ts';
import { databaseUrlFromEnv } from '../../operator/endpoints.ts';
import { runCurrencyBackfill } from './backfill.ts';

const cli = new Command('billing:backfill')
  .option('--batch-size <n>', 'rows per batch', '500')
  .parse(process.argv);
const batchSize = Number(cli.opts<{ batchSize: string }>().batchSize);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
  console.error(
    `--batch-size: expected a whole number from 1 to 100000 (got ${cli.opts<{ batchSize: string }>().batchSize})`,
  );
  process.exit(64);
}
await migrate('billing_db', databaseUrlFromEnv('billing_db'));
const tenants = new pg.Pool({ connectionString: databaseUrlFromEnv('tenants_db'), max: 2 });
const billing = new pg.Pool({ connectionString: databaseUrlFromEnv('billing_db'), max: 2 });
try {
  const result = await runCurrencyBackfill(tenants, billing, {
    batchSize,
    onBatch: (p) =>
      console.log(`batch ${p.batches}: ${p.phase}, ${p.rowsDone} rows done, up to ${p.lastKey || '(start)'}`),
  });
  console.log(
    result.batches === 0
      ? `already complete: ${result.rowsDone} rows`
      : `complete: ${result.rowsDone} rows in ${result.batches} batches`,
  );
} catch (err) {
  console.error(
    `backfill stopped: ${(err as Error).message}; run it again to resume from the last checkpoint`,
  );
  process.exitCode = 1;
} finally {
  await Promise.all([tenants.end(), billing.end()]);
}
