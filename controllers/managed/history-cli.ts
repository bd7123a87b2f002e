// `npm run drift:history -- --tenant acme [--kind Compute] [--namespace ns] [--name web-1] [--since 2026-12-01]
//   [--limit 200] [--json]`: what drifted at the provider for a tenant's resources, and what was done about it.
import { Command } from 'commander';
import pg from 'pg';
import { databaseUrlFromEnv } from '../../operator/endpoints.ts';
import { migrate } from '../db/migrate.ts';
import { driftHistory, historyLine } from './history.ts';

const o = new Command('drift:history')
  .requiredOption('--tenant <name>')
  .option('--kind <kind>', 'Compute, Volume or Network')
  .option('--namespace <ns>')
  .option('--name <name>')
  .option('--since <time>', 'UTC date or time, such as 2026-12-01 or 2026-12-01T10:00:00Z')
  .option('--limit <n>', 'newest entries to show', '200')
  .option('--json', 'print JSON')
  .parse(process.argv)
  .opts<{
    tenant: string;
    kind?: string;
    namespace?: string;
    name?: string;
    since?: string;
    limit: string;
    json?: boolean;
  }>();

const fail = (msg: string): never => {
  console.error(msg);
  process.exit(64);
};
const since = o.since ? new Date(`${o.since}${o.since.length === 10 ? 'T00:00:00Z' : ''}`) : undefined;
if (since && Number.isNaN(since.getTime())) fail('--since must be a UTC date or time, such as 2026-12-01');
if (o.since && !/(Z|[+-]\d\d:\d\d)$/.test(o.since) && o.since.length !== 10)
  fail('--since must say its timezone (Z or +hh:mm), such as 2026-12-01T10:00:00Z');
const limit = Number(o.limit);
if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
  fail('--limit must be a whole number from 1 to 10000');

await migrate('infra_db', databaseUrlFromEnv('infra_db'));
const pool = new pg.Pool({ connectionString: databaseUrlFromEnv('infra_db'), max: 1 });
try {
  const entries = await driftHistory(pool, { ...o, since, limit });
  if (o.json) console.log(JSON.stringify(entries, null, 2));
  else if (entries.length === 0) console.log(`no drift recorded for tenant ${o.tenant}`);
  else for (const e of entries) console.log(historyLine(e));
} finally {
  await pool.end();
}
