// `npm run billing:costs -- --tenant acme --from 2026-10-01 --to 2026-11-01 [--by day|month]
//   [--group-by app] [--selector app=web] [--json]`: a tenant's historical cost by day or month, reserved
// capacity amortised in, cost by label, and anomalous days.
import { Command } from 'commander';
import pg from 'pg';
import { migrate } from '../db/migrate.ts';
import { databaseUrlFromEnv } from '../../operator/endpoints.ts';
import { currencyMinorUnits, type Currency } from '../../crds/schemas/common.ts';
import { catalogueIn } from '../invoice/compute.ts';
import { eventsAround, rateAt } from '../invoice/store.ts';
import { costReport } from './costs.ts';
import { Dec } from './domain/money.ts';

const o = new Command('billing:costs')
  .requiredOption('--tenant <name>')
  .requiredOption('--from <date>', 'UTC start, such as 2026-10-01')
  .requiredOption('--to <date>', 'UTC end (exclusive)')
  .option('--by <bucket>', 'day or month', 'day')
  .option('--group-by <label>', 'also total the cost by this label')
  .option('--selector <k=v,...>', 'only resources whose labels match')
  .option('--currency <code>', 'instead of the tenant’s billing currency')
  .option('--json', 'print JSON')
  .parse(process.argv)
  .opts<{
    tenant: string;
    from: string;
    to: string;
    by: string;
    groupBy?: string;
    selector?: string;
    currency?: string;
    json?: boolean;
  }>();

const fail = (msg: string): never => {
  console.error(msg);
  process.exit(64);
};
const start = new Date(`${o.from}${o.from.length === 10 ? 'T00:00:00Z' : ''}`);
const end = new Date(`${o.to}${o.to.length === 10 ? 'T00:00:00Z' : ''}`);
if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start)
  fail('--from and --to must be UTC dates with --to after --from');
if (o.by !== 'day' && o.by !== 'month') fail('--by must be day or month');
const selector = o.selector
  ? {
      matchLabels: Object.fromEntries(
        o.selector.split(',').map((kv) => kv.split('=', 2) as [string, string]),
      ),
    }
  : undefined;

await migrate('billing_db', databaseUrlFromEnv('billing_db'));
const billing = new pg.Pool({ connectionString: databaseUrlFromEnv('billing_db'), max: 2 });
const tenants = new pg.Pool({ connectionString: databaseUrlFromEnv('tenants_db'), max: 1 });
try {
  const row = await tenants.query<{ billing_currency: string }>(
    'SELECT billing_currency FROM tenants WHERE name = $1',
    [o.tenant],
  );
  const currency = (o.currency ??
    row.rows[0]?.billing_currency ??
    fail(`no tenant ${o.tenant} in tenants_db; give --currency`)) as Currency;
  if (!(currency in currencyMinorUnits)) fail(`unknown currency ${currency}`);
  const perUsd = (await rateAt(billing, currency, new Date())) ?? fail(`no exchange rate for ${currency}`);
  const { rows: res } = await billing.query<{
    id: string;
    amount: string;
    currency: string;
    term_start: Date;
    term_end: Date;
  }>(
    'SELECT id, amount::text, currency, term_start, term_end FROM reservations WHERE tenant = $1 AND term_start < $3 AND term_end > $2',
    [o.tenant, start, end],
  );
  const report = costReport(
    await eventsAround(billing, o.tenant, start, end),
    await catalogueIn(billing, currency, perUsd),
    currency,
    res
      .filter((r) => r.currency.trim() === currency)
      .map((r) => ({
        id: r.id,
        amount: new Dec(r.amount),
        currency,
        term: { start: r.term_start, end: r.term_end },
      })),
    { range: { start, end }, by: o.by as 'day' | 'month', groupByLabel: o.groupBy, selector },
  );
  const digits = currencyMinorUnits[currency];
  const anomalies = report.anomalies.filter((a) => a.verdict === 'anomaly');
  if (o.json) {
    console.log(
      JSON.stringify({
        tenant: o.tenant,
        currency,
        buckets: report.buckets.map((b) => ({
          start: b.start.toISOString(),
          end: b.end.toISOString(),
          usage: b.usage.toFixed(digits),
          reserved: b.reserved.toFixed(digits),
          total: b.total.toFixed(digits),
        })),
        total: report.total.toFixed(digits),
        ...(report.byTag
          ? { byTag: Object.fromEntries([...report.byTag].map(([k, v]) => [k, v.toFixed(digits)])) }
          : {}),
        anomalies: anomalies.map((a) => ({
          day: a.day,
          cost: a.cost.toFixed(digits),
          mean: a.mean?.toFixed(digits),
        })),
      }),
    );
  } else {
    console.log(`${o.tenant}: cost by ${o.by} in ${currency}`);
    for (const b of report.buckets)
      console.log(
        `  ${b.start.toISOString().slice(0, o.by === 'day' ? 10 : 7)}  ${b.total.toFixed(digits).padStart(14)}   (usage ${b.usage.toFixed(digits)}, reserved ${b.reserved.toFixed(digits)})`,
      );
    console.log(`  total       ${report.total.toFixed(digits).padStart(14)}`);
    if (report.byTag)
      for (const [k, v] of report.byTag) console.log(`  ${o.groupBy}=${k}: ${v.toFixed(digits)}`);
    console.log(
      anomalies.length === 0
        ? '  no anomalous day (more than 2 standard deviations from the trailing 14-day mean)'
        : anomalies
            .map(
              (a) =>
                `  anomaly: ${a.day} cost ${a.cost.toFixed(digits)} against a trailing mean of ${a.mean?.toFixed(digits)}`,
            )
            .join('\n'),
    );
  }
} finally {
  await Promise.all([billing.end(), tenants.end()]);
}
