// The currency backfill on the real databases: stopped part-way it resumes from its checkpoint, fills every
// account and every invoice without a currency exactly once, and leaves issued invoices otherwise untouched.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { backfillJob, runCurrencyBackfill } from '../../../controllers/billing/backfill.ts';
import { uniqueName } from '../../support/kube.ts';
import { migratedPool } from '../../support/databases.ts';

describe('integration: the currency backfill resumes from its checkpoint', function () {
  this.timeout(60_000);
  let tenants: pg.Pool;
  let billing: pg.Pool;
  const prefix = uniqueName('bf');
  const names = Array.from({ length: 7 }, (_, i) => `${prefix}-${i}`);

  before(async () => {
    tenants = await migratedPool('tenants_db');
    billing = await migratedPool('billing_db');
    await billing.query('DELETE FROM backfill_checkpoints WHERE job = $1', [backfillJob]);
    for (const [i, name] of names.entries()) {
      await tenants.query(
        `INSERT INTO tenants (name, uid, display_name, namespace, billing_currency, tier, generation)
         VALUES ($1, $2, $1, $3, $4, 'standard', 1)`,
        [name, randomUUID(), `tenant-${name}`, i % 2 ? 'JPY' : 'EUR'],
      );
      // A legacy issued invoice from before currencies were recorded.
      await billing.query(
        `INSERT INTO invoices (id, uid, tenant, period_start, period_end, currency, status, subtotal, discount_total, tax_total,
           credit_total, total, lines, presented, issued_at)
         VALUES ($1, $2, $3, '2025-01-01Z', '2025-02-01Z', NULL, 'Issued', 10, 0, 0, 0, 10, '[]', '{}', '2025-02-01Z')`,
        [`legacy/${name}`, randomUUID(), name],
      );
    }
  });
  after(async () => {
    await tenants.query('DELETE FROM tenants WHERE name LIKE $1', [`${prefix}-%`]);
    await billing.query('DELETE FROM tenant_accounts WHERE tenant LIKE $1', [`${prefix}-%`]);
    await Promise.all([tenants.end(), billing.end()]);
  });

  it('stops after two batches, resumes, and fills everything once', async () => {
    const seen: string[] = [];
    const first = await runCurrencyBackfill(tenants, billing, {
      batchSize: 3,
      maxBatches: 2,
      onBatch: (p) => seen.push(`${p.phase}:${p.rowsDone}`),
    });
    assert.equal(first.batches, 2);
    assert.notEqual(first.phase, 'done');
    const cp = await billing.query<{ rows_done: string }>(
      'SELECT rows_done FROM backfill_checkpoints WHERE job = $1',
      [backfillJob],
    );
    assert.equal(Number(cp.rows[0]!.rows_done), first.rowsDone, 'the checkpoint holds what was committed');

    const second = await runCurrencyBackfill(tenants, billing, {
      batchSize: 3,
      onBatch: (p) => seen.push(`${p.phase}:${p.rowsDone}`),
    });
    assert.equal(second.phase, 'done');
    assert.ok(
      second.rowsDone >= first.rowsDone + 1,
      'it continued from the checkpoint rather than restarting',
    );

    const accounts = await billing.query<{ tenant: string; currency: string }>(
      'SELECT tenant, currency FROM tenant_accounts WHERE tenant LIKE $1 ORDER BY tenant',
      [`${prefix}-%`],
    );
    assert.deepEqual(
      accounts.rows.map((r) => r.currency),
      names.map((_, i) => (i % 2 ? 'JPY' : 'EUR')),
    );
    const invoices = await billing.query<{ tenant: string; currency: string; total: string }>(
      'SELECT tenant, currency, total::text FROM invoices WHERE id LIKE $1 ORDER BY tenant',
      [`legacy/${prefix}-%`],
    );
    assert.deepEqual(
      invoices.rows.map((r) => r.currency),
      names.map((_, i) => (i % 2 ? 'JPY' : 'EUR')),
    );
    assert.ok(
      invoices.rows.every((r) => r.total === '10.0000'),
      'nothing else about the issued invoices changed',
    );
    await assert.rejects(
      billing.query("UPDATE invoices SET currency = 'USD' WHERE id = $1", [`legacy/${names[0]}`]),
      /is issued and cannot change/,
    );

    const third = await runCurrencyBackfill(tenants, billing, { batchSize: 3 });
    assert.equal(third.batches, 0, 'a finished job does nothing more');
  });
});
