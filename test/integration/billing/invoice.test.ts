// Billing end to end on the real stack: instances run on the simulator for measured times, their lifecycle
// events are metered from Kafka, and an Invoice for the closed period equals an independent calculation
// made here from the audit log and the price table, in KWD (three decimals, tax, a discount) and in JPY
// (no minor unit); and a currency without its own prices is priced from USD at the exchange rate. The issued invoice is final in billing_db and exported to the S3 server.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { Decimal } from 'decimal.js';
import type pg from 'pg';
import type { Compute } from '../../../crds/schemas/compute.ts';
import type { Invoice } from '../../../crds/schemas/invoice.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { migratedPool } from '../../support/databases.ts';
import { s3Client } from '../../support/s3.ts';
import { invoiceBucket } from '../../../controllers/invoice/object-export.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import {
  deleteTenants,
  tenantManifest,
  tenantsApi,
  waitForTenant,
  readyAndCurrent,
} from '../../support/tenants.ts';
import {
  api,
  computeManifest,
  inPhase,
  networkManifest,
  patchSpec,
  read,
  remove,
  waitFor,
} from '../../support/infra.ts';

async function objectText(bucket: string, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await s3Client().getObject(bucket, key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const D = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_EVEN });

interface Case {
  tenant: string;
  currency: 'KWD' | 'JPY';
  digits: number;
  taxRate: string;
  discountRate?: string;
}

const testPrices: [string, string, string, string][] = [
  ['KWD', '360', '720', '36'],
  ['JPY', '36000', '72000', '3600'],
];

describe('integration: metering and invoicing in two currencies', function () {
  this.timeout(300_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const cases: Case[] = [
    { tenant: uniqueName('bill-kwd'), currency: 'KWD', digits: 3, taxRate: '0.19', discountRate: '0.1' },
    { tenant: uniqueName('bill-jpy'), currency: 'JPY', digits: 0, taxRate: '0' },
  ];
  let op: OperatorProcess;
  let billing: pg.Pool;
  let audit: pg.Pool;
  let periodStart: Date;
  let periodEnd: Date;
  const uids = new Map<string, string[]>();

  const readInvoice = async (namespace: string, name: string) =>
    (await custom.getNamespacedCustomObject({ ...api, plural: 'invoices', namespace, name })) as Invoice;
  const createInvoice = (namespace: string, name: string, start: Date, end: Date) =>
    custom.createNamespacedCustomObject({
      ...api,
      plural: 'invoices',
      namespace,
      body: {
        apiVersion: 'omnicloud.io/v1alpha1',
        kind: 'Invoice',
        metadata: { name },
        spec: { start: start.toISOString(), end: end.toISOString() },
      },
    });
  const waitIssued = (namespace: string, name: string) =>
    eventually(`invoice ${name} issued`, async () => {
      const i = await readInvoice(namespace, name);
      return i.status?.phase === 'Issued' ? i : undefined;
    });

  before(async () => {
    installCrds();
    billing = await migratedPool('billing_db');
    audit = await migratedPool('audit_db');
    op = await startOperator(uniqueName('bill-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    // Prices high enough that seconds of use come to real money (the defaults are cents per hour), in two
    // currencies the catalogue does not otherwise price: KWD (3 decimals) and JPY (none).
    for (const [currency, small, medium, network] of testPrices) {
      await billing.query(
        `INSERT INTO prices (resource_class, region, currency, unit_price, effective_from)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::timestamptz[]) ON CONFLICT DO NOTHING`,
        [
          ['small', 'medium', 'network'],
          ['eu-west-1', 'eu-west-1', 'eu-west-1'],
          [currency, currency, currency],
          [small, medium, network],
          Array(3).fill('2026-01-01T00:00:00Z'),
        ],
      );
    }
    periodStart = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    for (const c of cases) {
      await billing.query(
        `INSERT INTO billing_terms (tenant, tax_rate, discounts) VALUES ($1, $2, $3)
         ON CONFLICT (tenant) DO UPDATE SET tax_rate = EXCLUDED.tax_rate, discounts = EXCLUDED.discounts`,
        [
          c.tenant,
          c.taxRate,
          JSON.stringify(c.discountRate ? [{ kind: 'percentage', id: 'loyalty', rate: c.discountRate }] : []),
        ],
      );
      await custom.createClusterCustomObject({
        ...tenantsApi,
        body: tenantManifest(c.tenant, { billingCurrency: c.currency }),
      });
    }
    for (const c of cases) await waitForTenant(kc, c.tenant, 'Ready', readyAndCurrent);
  });
  after(async () => {
    await billing?.query(
      "DELETE FROM prices WHERE currency IN ('KWD', 'JPY') AND effective_from = '2026-01-01T00:00:00Z'",
    );
    for (const c of cases) {
      const ns = `tenant-${c.tenant}`;
      for (const n of ['small-1', 'medium-1']) await remove(kc, 'computes', ns, n);
    }
    await deleteTenants(
      kc,
      cases.map((c) => c.tenant),
      false,
      120_000,
    );
    await op?.stop();
    await Promise.all([billing?.end(), audit?.end()]);
    // The exports this run made in the operator's bucket.
    const s3 = s3Client();
    for (const c of cases) {
      for await (const o of s3.listObjectsV2(invoiceBucket, `${c.tenant}/`, true)) {
        if (o.name) await s3.removeObject(invoiceBucket, o.name);
      }
    }
  });

  it('meters two instances per tenant over measured times and closes the period', async () => {
    for (const c of cases) {
      const ns = `tenant-${c.tenant}`;
      await custom.createNamespacedCustomObject({
        ...api,
        plural: 'networks',
        namespace: ns,
        body: networkManifest(ns, 'net'),
      });
      await custom.createNamespacedCustomObject({
        ...api,
        plural: 'computes',
        namespace: ns,
        body: computeManifest(ns, 'small-1', { size: 'small' }),
      });
      await custom.createNamespacedCustomObject({
        ...api,
        plural: 'computes',
        namespace: ns,
        body: computeManifest(ns, 'medium-1', { size: 'medium', subnet: 'b' }),
      });
    }
    for (const c of cases) {
      const ns = `tenant-${c.tenant}`;
      const running = await Promise.all(
        ['small-1', 'medium-1'].map((n) =>
          waitFor<Compute>(kc, 'computes', ns, n, 'Running', inPhase('Running')),
        ),
      );
      uids.set(
        c.tenant,
        running.map((r) => r.metadata.uid),
      );
    }
    // Running for a while: that usage is what is billed. The expected amounts are computed from the audit
    // log's own times, so the length sets how much is billed, never whether the test passes.
    await new Promise((r) => setTimeout(r, 4_000));
    for (const c of cases)
      await patchSpec(kc, 'computes', `tenant-${c.tenant}`, 'small-1', { powerState: 'Stopped' });
    for (const c of cases)
      await waitFor(kc, 'computes', `tenant-${c.tenant}`, 'small-1', 'Stopped', inPhase('Stopped'));
    // small-1 stopped for a while (not billed) while medium-1 runs on (billed); any length will do.
    await new Promise((r) => setTimeout(r, 2_000));
    for (const c of cases) await remove(kc, 'computes', `tenant-${c.tenant}`, 'medium-1');
    for (const c of cases)
      await eventually('medium-1 gone', async () =>
        (await read(kc, 'computes', `tenant-${c.tenant}`, 'medium-1')) ? undefined : true,
      );
    // The period closes once every stop is metered; the network keeps running and is billed up to the end.
    await eventually(
      'stops metered',
      async () => {
        const { rows } = await billing.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM metered_events WHERE resource_uid = ANY($1::uuid[]) AND state IN ('Stopping', 'Terminating')",
          [[...uids.values()].flat()],
        );
        return rows[0]!.n === 4 ? true : undefined;
      },
      60_000,
    );
    periodEnd = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
    await eventually(
      'the period to end',
      async () => (Date.now() > periodEnd.getTime() ? true : undefined),
      10_000,
    );
  });

  /** The oracle: usage from the audit log's transitions, prices from the price table, rounding done here. */
  async function expected(
    c: Case,
  ): Promise<{ lines: Map<string, string>; subtotal: Decimal; total: Decimal; perUsd: string }> {
    const { rows: events } = await audit.query<{
      subject: string;
      kind: string;
      to: string;
      time: string;
      region: string;
      vcpu: number | null;
    }>(
      `SELECT event->>'subject' AS subject, event->'data'->>'kind' AS kind, event->'data'->>'to' AS to, event->>'time' AS time,
              event->'data'->>'region' AS region, (event->'data'->>'vcpu')::int AS vcpu
         FROM audit_log WHERE event->>'tenant' = $1 ORDER BY event->>'time'`,
      [c.tenant],
    );
    const { rows: rate } = await billing.query<{ per_usd: string }>(
      'SELECT per_usd::text FROM exchange_rates WHERE currency = $1 ORDER BY effective_from DESC LIMIT 1',
      [c.currency],
    );
    const perUsd = rate[0]!.per_usd;
    const priceOf = async (cls: string, region: string): Promise<Decimal> => {
      const own = await billing.query<{ p: string }>(
        'SELECT unit_price::text AS p FROM prices WHERE resource_class = $1 AND region = $2 AND currency = $3',
        [cls, region, c.currency],
      );
      if (own.rows[0]) return new D(own.rows[0].p);
      const usd = await billing.query<{ p: string }>(
        "SELECT unit_price::text AS p FROM prices WHERE resource_class = $1 AND region = $2 AND currency = 'USD'",
        [cls, region],
      );
      return new D(usd.rows[0]!.p).times(perUsd);
    };
    const ms = new Map<string, Decimal>(); // key class|region -> milliseconds of service
    const open = new Map<string, { at: number; key: string }>();
    for (const e of events) {
      const t = Math.min(Math.max(Date.parse(e.time), periodStart.getTime()), periodEnd.getTime());
      const cls = e.kind === 'Network' ? 'network' : e.vcpu === 1 ? 'small' : 'medium';
      if (e.to === 'Running' || e.to === 'Ready') open.set(e.subject, { at: t, key: `${cls}|${e.region}` });
      else if (open.has(e.subject)) {
        const o = open.get(e.subject)!;
        ms.set(o.key, (ms.get(o.key) ?? new D(0)).plus(t - o.at));
        open.delete(e.subject);
      }
    }
    for (const o of open.values())
      ms.set(o.key, (ms.get(o.key) ?? new D(0)).plus(periodEnd.getTime() - o.at));
    const lines = new Map<string, string>();
    let subtotal = new D(0);
    for (const [key, millis] of ms) {
      const [cls, region] = key.split('|') as [string, string];
      const amount = (await priceOf(cls, region))
        .times(millis)
        .dividedBy(3_600_000)
        .toDecimalPlaces(c.digits, D.ROUND_HALF_EVEN);
      lines.set(key, amount.toFixed(c.digits));
      subtotal = subtotal.plus(amount);
    }
    let discounted = subtotal;
    if (c.discountRate)
      discounted = subtotal.minus(
        subtotal.times(c.discountRate).toDecimalPlaces(c.digits, D.ROUND_HALF_EVEN),
      );
    const tax = discounted.times(c.taxRate).toDecimalPlaces(c.digits, D.ROUND_HALF_EVEN);
    return { lines, subtotal, total: discounted.plus(tax), perUsd };
  }

  for (const index of [0, 1]) {
    it(`issues an invoice equal to the independent calculation (${index === 0 ? 'KWD, tax and discount' : 'JPY, no minor unit'})`, async () => {
      const c = cases[index]!;
      const ns = `tenant-${c.tenant}`;
      await createInvoice(ns, 'test-period', periodStart, periodEnd);
      const inv = await waitIssued(ns, 'test-period');
      const oracle = await expected(c);
      const got = new Map(inv.status!.lines!.map((l) => [`${l.resourceClass}|${l.region}`, l.amount]));
      assert.deepEqual(got, oracle.lines);
      assert.equal(inv.status!.subtotal, oracle.subtotal.toFixed(c.digits));
      assert.equal(inv.status!.total, oracle.total.toFixed(c.digits));
      assert.equal(inv.status!.currency, c.currency);
      assert.equal(inv.status!.exchangeRateToUSD, oracle.perUsd);
      assert.ok(new D(inv.status!.total!).greaterThan(0));
      if (c.digits === 0) assert.ok(!inv.status!.total!.includes('.'), 'JPY has no minor unit');

      const row = await billing.query<{ status: string; total: string }>(
        'SELECT status, total::text FROM invoices WHERE id = $1',
        [`${ns}/test-period`],
      );
      assert.equal(row.rows[0]!.status, 'Issued');
      assert.equal(new D(row.rows[0]!.total).toFixed(c.digits), oracle.total.toFixed(c.digits));
      await assert.rejects(
        billing.query('UPDATE invoices SET total = 0 WHERE id = $1', [`${ns}/test-period`]),
        /is issued and cannot change; issue a credit note/,
      );
      // Exported to the operator's bucket on the S3 server.
      const where = inv.status!.export!;
      assert.equal(where.bucket, invoiceBucket);
      const csv = await objectText(where.bucket, where.csv);
      assert.match(
        csv,
        new RegExp(`^total,,,,,${oracle.total.toFixed(c.digits).replace('.', '\\.')},${c.currency}$`, 'm'),
      );
      assert.equal(JSON.parse(await objectText(where.bucket, where.json)).total, inv.status!.total);
    });
  }

  it('prices a currency without its own prices from USD at the exchange rate', async () => {
    const { catalogueIn } = await import('../../../controllers/invoice/compute.ts');
    const chf = await catalogueIn(billing, 'CHF', '0.88');
    const usd = await billing.query<{ p: string }>(
      "SELECT unit_price::text AS p FROM prices WHERE resource_class = 'small' AND region = 'eu-west-1' AND currency = 'USD'",
    );
    const small = chf.find((e) => e.resourceClass === 'small' && e.region === 'eu-west-1')!;
    assert.equal(small.currency, 'CHF');
    assert.equal(small.unitPricePerHour.toString(), new D(usd.rows[0]!.p).times('0.88').toString());
  });

  it('keeps an issued invoice as it was when the tenant changes currency; a new invoice uses the new one', async () => {
    const c = cases[0]!;
    const ns = `tenant-${c.tenant}`;
    const before = await readInvoice(ns, 'test-period');
    await custom.patchClusterCustomObject(
      { ...tenantsApi, name: c.tenant, body: { spec: { billingCurrency: 'JPY' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    // Touch the issued invoice so it is reconciled again after the change.
    await custom.patchNamespacedCustomObject(
      {
        ...api,
        plural: 'invoices',
        namespace: ns,
        name: 'test-period',
        body: { metadata: { labels: { touched: 'yes' } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await createInvoice(ns, 'after-change', periodStart, new Date(periodStart.getTime() + 1000));
    const after = await waitIssued(ns, 'after-change');
    assert.equal(after.status!.currency, 'JPY');
    const again = await readInvoice(ns, 'test-period');
    assert.equal(again.status!.currency, 'KWD');
    assert.equal(again.status!.total, before.status!.total);
    assert.deepEqual(again.status!.lines, before.status!.lines);
  });

  it("refuses to change an issued invoice's period", async () => {
    const ns = `tenant-${cases[0]!.tenant}`;
    await assert.rejects(
      custom.patchNamespacedCustomObject(
        {
          ...api,
          plural: 'invoices',
          namespace: ns,
          name: 'test-period',
          body: { spec: { start: '2020-01-01T00:00:00Z' } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
      /spec cannot change; create another Invoice/,
    );
  });
});
