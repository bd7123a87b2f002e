// Benchmark of invoice generation: 1,000 tenants with 1,000,000 metered lifecycle events in billing_db
// (500 resources per tenant: instances, volumes and public addresses, each put in service and taken out of it
// in the month), every tenant's invoice computed from
// the database (usage, proration, lines, discounts, tax) and stored as a draft. Prints time and memory.
// Run: npm run bench -- invoice   (TENANTS=100 EVENTS_PER_TENANT=1000 for a quicker run)
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { migrate } from '../controllers/db/migrate.ts';
import { monthPeriod } from '../controllers/billing/domain/period.ts';
import { computeInvoice } from '../controllers/invoice/compute.ts';
import { presented } from '../controllers/invoice/status.ts';
import { saveDraft } from '../controllers/invoice/store.ts';
import { endpoints } from '../hack/stack/endpoints.ts';

const tenants = Number(process.env.TENANTS ?? 1000);
const perTenant = Number(process.env.EVENTS_PER_TENANT ?? 1000);
const concurrency = Number(process.env.CONCURRENCY ?? 8);
const prefix = 'bench-invoice-';
const log = (m: string) => console.error(`[invoice] ${m}`);
const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

execFileSync(process.execPath, ['--import', 'tsx', 'hack/stack/cli.ts', 'up', 'postgres'], {
  stdio: ['ignore', process.stderr, process.stderr],
});
const url = endpoints().postgres.billing_db;
await migrate('billing_db', url);
const pool = new pg.Pool({ connectionString: url, max: concurrency + 2 });
const period = monthPeriod(2026, 10);

try {
  await pool.query('DELETE FROM invoices WHERE tenant LIKE $1', [`${prefix}%`]);
  await pool.query('DELETE FROM metered_events WHERE tenant LIKE $1', [`${prefix}%`]);
  log(`loading ${tenants * perTenant} metered events for ${tenants} tenants`);
  const loadStart = performance.now();
  // Each resource: in service at a random time in the month, out of it a random while later (some run on past
  // the end, some started before the month). Instances of four sizes, volumes of two types and sizes (GiB-hours)
  // and public addresses, in two regions.
  await pool.query(
    `INSERT INTO metered_events (event_id, resource_uid, tenant, resource_kind, resource_class, region, state, occurred_at)
     SELECT gen_random_uuid(), r.uid, r.tenant,
            CASE WHEN r.class LIKE 'storage-%' THEN 'Volume' WHEN r.class = 'public-ip' THEN 'PublicIP' ELSE 'Compute' END,
            r.class, r.region,
            CASE WHEN r.class LIKE 'storage-%' THEN (CASE WHEN s.in_service THEN 'Available' ELSE 'Deleted' END)
                 WHEN r.class = 'public-ip' THEN (CASE WHEN s.in_service THEN 'Allocated' ELSE 'Released' END)
                 ELSE (CASE WHEN s.in_service THEN 'Running' ELSE 'Stopped' END) END,
            CASE WHEN s.in_service THEN r.started ELSE r.started + r.ran END
       FROM (SELECT gen_random_uuid() AS uid,
                    $1 || lpad((i % $2)::text, 4, '0') AS tenant,
                    (ARRAY['small', 'medium', 'large', 'xlarge', 'storage-standard:100', 'storage-ssd:500',
                           'public-ip'])[1 + (i / $2 % 7)] AS class,
                    (ARRAY['eu-west-1', 'us-east-1'])[1 + (i / $2 / 7 % 2)] AS region,
                    $3::timestamptz - interval '2 days' + random() * interval '32 days' AS started,
                    random() * interval '10 days' AS ran
               FROM generate_series(0, $4 - 1) AS i) r
       CROSS JOIN (VALUES (true), (false)) AS s(in_service)`,
    [prefix, tenants, period.start, (tenants * perTenant) / 2],
  );
  await pool.query('ANALYZE metered_events');
  const loadMs = performance.now() - loadStart;

  log(`generating ${tenants} invoices, ${concurrency} at a time`);
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  const latencies: number[] = [];
  let lines = 0;
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tenants) {
        const tenant = `${prefix}${String(next++).padStart(4, '0')}`;
        const t0 = performance.now();
        const { invoice, perUsd } = await computeInvoice(
          pool,
          tenant,
          next % 2 ? 'EUR' : 'USD',
          period,
          period.end,
          new Date(),
        );
        await saveDraft(pool, crypto.randomUUID(), presented(invoice, `bench/${tenant}`, 'Draft', perUsd));
        latencies.push(performance.now() - t0);
        lines += invoice.lines.length;
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
    }),
  );
  const totalMs = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! * 10) /
    10;
  const result = {
    bench: 'invoice',
    tenants,
    usage_records: tenants * perTenant,
    load_s: Math.round(loadMs) / 1000,
    generate_s: Math.round(totalMs) / 1000,
    invoices_per_s: Math.round((tenants / totalMs) * 1000 * 10) / 10,
    records_per_s: Math.round(((tenants * perTenant) / totalMs) * 1000),
    p50_ms: pct(50),
    p95_ms: pct(95),
    p99_ms: pct(99),
    lines,
    heap_growth_mib: mib(process.memoryUsage().heapUsed - heapBefore),
    peak_rss_mib: mib(peakRss),
  };
  console.log('');
  console.log(
    `invoice: ${tenants} tenants, ${result.usage_records} metered events (usage records), ${concurrency} at a time`,
  );
  console.log(`  load events (SQL)        ${result.load_s.toFixed(2).padStart(9)} s`);
  console.log(
    `  generate all invoices    ${result.generate_s.toFixed(2).padStart(9)} s   ${result.invoices_per_s} invoices/s, ${result.records_per_s} records/s`,
  );
  console.log(`  per invoice p50/p95/p99  ${result.p50_ms} / ${result.p95_ms} / ${result.p99_ms} ms`);
  console.log(`  invoice lines            ${result.lines}`);
  console.log(
    `  memory                   peak RSS ${result.peak_rss_mib} MiB, heap growth ${result.heap_growth_mib} MiB`,
  );
  console.log(JSON.stringify(result));
} finally {
  await pool.query('DELETE FROM invoices WHERE tenant LIKE $1', [`${prefix}%`]).catch(() => undefined);
  await pool.query('DELETE FROM metered_events WHERE tenant LIKE $1', [`${prefix}%`]).catch(() => undefined);
  await pool.end();
}
