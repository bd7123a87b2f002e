// Storage and public addresses billed end to end on the real stack: a volume that grows and an instance with
// a public address run on the simulator for measured times, their lifecycle events are metered from Kafka,
// and the Invoice for the closed period equals an independent calculation made here from the audit log:
// GiB-seconds summed size by size, and address time from the instance's first Running to its termination
// (stopped time included), priced from the price table and rounded here.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { Decimal } from 'decimal.js';
import type pg from 'pg';
import type { Compute } from '../../../crds/schemas/compute.ts';
import type { Invoice } from '../../../crds/schemas/invoice.ts';
import type { Network } from '../../../crds/schemas/network.ts';
import type { Volume } from '../../../crds/schemas/volume.ts';
import { migratedPool } from '../../support/databases.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { createReadyTenant, deleteTenants } from '../../support/tenants.ts';
import {
  api,
  computeManifest,
  create,
  inPhase,
  networkManifest,
  patchSpec,
  read,
  remove,
  volumeManifest,
  waitFor,
} from '../../support/infra.ts';

const D = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_EVEN });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** KWD has three decimals; prices high enough that seconds of use come to real money. */
const currency = 'KWD';
const digits = 3;
const testPrices: Record<string, string> = {
  small: '360',
  network: '36',
  'storage-ssd': '7.2',
  'public-ip': '180',
};

describe('integration: storage GiB-hours and public-address hours on an invoice', function () {
  this.timeout(300_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const tenant = uniqueName('bill-stor');
  const ns = `tenant-${tenant}`;
  /** A tenant billed in a currency with no exchange rate in billing_db. */
  const unrated = uniqueName('bill-bhd');
  let op: OperatorProcess;
  let billing: pg.Pool;
  let audit: pg.Pool;
  let periodStart: Date;
  let periodEnd: Date;
  const uids: string[] = [];

  before(async () => {
    installCrds();
    billing = await migratedPool('billing_db');
    audit = await migratedPool('audit_db');
    op = await startOperator(uniqueName('bill-stor-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    await billing.query(
      `INSERT INTO prices (resource_class, region, currency, unit_price, effective_from)
       SELECT k, 'eu-west-1', $3, v, '2026-01-01T00:00:00Z' FROM unnest($1::text[], $2::numeric[]) AS p(k, v)
       ON CONFLICT DO NOTHING`,
      [Object.keys(testPrices), Object.values(testPrices), currency],
    );
    periodStart = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    await Promise.all([
      createReadyTenant(kc, tenant, { billingCurrency: currency }),
      createReadyTenant(kc, unrated, { billingCurrency: 'BHD' }),
    ]);
  });
  after(async () => {
    await billing?.query(
      "DELETE FROM prices WHERE currency = $1 AND effective_from = '2026-01-01T00:00:00Z'",
      [currency],
    );
    await remove(kc, 'volumes', ns, 'data');
    await remove(kc, 'computes', ns, 'edge');
    await deleteTenants(kc, [tenant, unrated], false, 120_000);
    await op?.stop();
    await Promise.all([billing?.end(), audit?.end()]);
  });

  it('meters a growing volume and an address kept through a stop, and closes the period', async () => {
    await create(kc, networkManifest(ns, 'net'));
    await waitFor<Network>(kc, 'networks', ns, 'net', 'Ready', inPhase('Ready'));
    await create(kc, computeManifest(ns, 'edge', { publicIp: true }));
    await create(kc, volumeManifest(ns, 'data', { sizeGiB: 100, type: 'ssd' }));
    const vm = await waitFor<Compute>(kc, 'computes', ns, 'edge', 'Running', inPhase('Running'));
    const vol = await waitFor<Volume>(kc, 'volumes', ns, 'data', 'Available', inPhase('Available'));
    uids.push(vm.metadata.uid, vol.metadata.uid);
    // In service for a while before growing: that usage is what is billed. The expected amounts are computed
    // from the audit log's own times, so the length sets how much is billed, never whether the test passes.
    await sleep(3_000);
    await patchSpec(kc, 'volumes', ns, 'data', { sizeGiB: 300 });
    await waitFor<Volume>(kc, 'volumes', ns, 'data', 'grown', (v) => v.status?.sizeGiB === 300);
    await patchSpec(kc, 'computes', ns, 'edge', { powerState: 'Stopped' });
    await waitFor<Compute>(kc, 'computes', ns, 'edge', 'Stopped', inPhase('Stopped'));
    // Stopped for a while: the address is billed through it, the instance is not. The comparison of the two
    // below holds whatever the length.
    await sleep(2_000);
    await remove(kc, 'volumes', ns, 'data');
    await remove(kc, 'computes', ns, 'edge');
    for (const [plural, name] of [
      ['volumes', 'data'],
      ['computes', 'edge'],
    ] as const)
      await eventually(`${name} gone`, async () => ((await read(kc, plural, ns, name)) ? undefined : true));
    await eventually(
      'deletions metered',
      async () => {
        const { rows } = await billing.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM metered_events WHERE tenant = $1 AND state IN ('Deleted', 'Released')",
          [tenant],
        );
        return rows[0]!.n === 2 ? true : undefined;
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

  /** The oracle: service time per class from the audit log, walked event by event, priced and rounded here. */
  async function expected(): Promise<{ lines: Map<string, string>; subtotal: Decimal }> {
    const { rows } = await audit.query<{
      subject: string;
      kind: string;
      to: string;
      time: string;
      size: number | null;
      public: boolean | null;
    }>(
      `SELECT event->>'subject' AS subject, event->'data'->>'kind' AS kind, event->'data'->>'to' AS to,
              event->>'time' AS time, (event->'data'->>'sizeGiB')::int AS size,
              (event->'data'->>'publicIp')::boolean AS public
         FROM audit_log WHERE event->>'tenant' = $1 ORDER BY event->>'time', seq`,
      [tenant],
    );
    const clamp = (iso: string) =>
      Math.min(Math.max(Date.parse(iso), periodStart.getTime()), periodEnd.getTime());
    // For each metered thing, the units it is using now and since when; time × units is added at each change.
    const using = new Map<string, { cls: string; units: number; since: number }>();
    const unitMs = new Map<string, Decimal>();
    const change = (key: string, cls: string, units: number, at: number) => {
      const was = using.get(key);
      if (was)
        unitMs.set(was.cls, (unitMs.get(was.cls) ?? new D(0)).plus(new D(at - was.since).times(was.units)));
      if (units > 0) using.set(key, { cls, units, since: at });
      else using.delete(key);
    };
    for (const e of rows) {
      const at = clamp(e.time);
      if (e.kind === 'Volume') {
        change(e.subject, 'storage-ssd', ['Available', 'Resizing'].includes(e.to) ? e.size! : 0, at);
      } else if (e.kind === 'Network') {
        change(e.subject, 'network', e.to === 'Ready' ? 1 : 0, at);
      } else if (e.kind === 'Compute') {
        change(e.subject, 'small', e.to === 'Running' ? 1 : 0, at);
        if (e.public && e.to === 'Running' && !using.has(`${e.subject}/ip`))
          change(`${e.subject}/ip`, 'public-ip', 1, at);
        if (e.public && e.to === 'Terminated') change(`${e.subject}/ip`, 'public-ip', 0, at);
      }
    }
    for (const [key, u] of [...using]) change(key, u.cls, 0, periodEnd.getTime());
    const lines = new Map<string, string>();
    let subtotal = new D(0);
    for (const [cls, ms] of unitMs) {
      if (ms.isZero()) continue;
      const amount = new D(testPrices[cls]!)
        .times(ms)
        .dividedBy(3_600_000)
        .toDecimalPlaces(digits, D.ROUND_HALF_EVEN);
      lines.set(`${cls}|eu-west-1`, amount.toFixed(digits));
      subtotal = subtotal.plus(amount);
    }
    return { lines, subtotal };
  }

  it('issues an invoice whose storage and address lines equal the independent calculation', async () => {
    await custom.createNamespacedCustomObject({
      ...api,
      plural: 'invoices',
      namespace: ns,
      body: {
        apiVersion: 'omnicloud.io/v1alpha1',
        kind: 'Invoice',
        metadata: { name: 'storage-period' },
        spec: { start: periodStart.toISOString(), end: periodEnd.toISOString() },
      },
    });
    const inv = await eventually('invoice issued', async () => {
      const i = (await custom.getNamespacedCustomObject({
        ...api,
        plural: 'invoices',
        namespace: ns,
        name: 'storage-period',
      })) as Invoice;
      return i.status?.phase === 'Issued' ? i : undefined;
    });
    const oracle = await expected();
    const got = new Map(inv.status!.lines!.map((l) => [`${l.resourceClass}|${l.region}`, l.amount]));
    assert.deepEqual(got, oracle.lines);
    assert.deepEqual([...got.keys()].sort(), [
      'network|eu-west-1',
      'public-ip|eu-west-1',
      'small|eu-west-1',
      'storage-ssd|eu-west-1',
    ]);
    assert.equal(inv.status!.subtotal, oracle.subtotal.toFixed(digits));
    const storage = inv.status!.lines!.find((l) => l.resourceClass === 'storage-ssd')!;
    assert.equal(storage.unit, 'GiB-hour');
    const ip = new D(inv.status!.lines!.find((l) => l.resourceClass === 'public-ip')!.quantity);
    const small = new D(inv.status!.lines!.find((l) => l.resourceClass === 'small')!.quantity);
    assert.ok(
      ip.greaterThan(small),
      'the address is billed while the instance is stopped, the instance is not',
    );
  });

  it('shows a currency with no exchange rate as MissingExchangeRate on the Invoice, not only in the logs', async () => {
    await custom.createNamespacedCustomObject({
      ...api,
      plural: 'invoices',
      namespace: `tenant-${unrated}`,
      body: {
        apiVersion: 'omnicloud.io/v1alpha1',
        kind: 'Invoice',
        metadata: { name: 'no-rate' },
        spec: { start: periodStart.toISOString(), end: periodEnd.toISOString() },
      },
    });
    const failed = await eventually('the invoice to say why it cannot be computed', async () => {
      const i = (await custom.getNamespacedCustomObject({
        ...api,
        plural: 'invoices',
        namespace: `tenant-${unrated}`,
        name: 'no-rate',
      })) as Invoice;
      return i.status?.phase === 'Failed' ? i : undefined;
    });
    const ready = failed.status!.conditions!.find((c) => c.type === 'Ready')!;
    assert.equal(ready.reason, 'MissingExchangeRate');
    assert.match(ready.message, /no exchange rate for BHD in billing_db\.exchange_rates/);
  });
});
