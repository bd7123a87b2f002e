// Credit notes against the real billing_db: only on issued invoices, in whole minor units, never more in
// total than the invoice, even when written concurrently.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { CreditNoteRefused, issueCreditNote } from '../../../controllers/billing/credit-notes.ts';
import { uniqueName } from '../../support/kube.ts';
import { migratedPool } from '../../support/databases.ts';

describe('integration: credit notes', function () {
  this.timeout(30_000);
  let billing: pg.Pool;
  const tenant = uniqueName('cn');
  const issued = `tenant-${tenant}/2026-10`;
  const draft = `tenant-${tenant}/2026-11`;

  before(async () => {
    billing = await migratedPool('billing_db', 12);
    for (const [id, status] of [
      [issued, 'Issued'],
      [draft, 'Draft'],
    ] as const) {
      await billing.query(
        `INSERT INTO invoices (id, uid, tenant, period_start, period_end, currency, status, subtotal, discount_total, tax_total,
           credit_total, total, lines, presented, issued_at)
         VALUES ($1, $2, $3, '2026-10-01Z', '2026-11-01Z', 'EUR', $4, 100, 0, 0, 0, 100, '[]', '{}', now())`,
        [id, randomUUID(), tenant, status],
      );
    }
  });
  after(() => billing?.end());

  const refused = (p: Promise<unknown>, message: RegExp) =>
    assert.rejects(p, (e: unknown) => e instanceof CreditNoteRefused && message.test(e.message));

  it('refuses drafts, bad amounts and sub-cent amounts with clear reasons', async () => {
    await refused(issueCreditNote(billing, draft, '1.00', 'x'), /is a draft/);
    await refused(issueCreditNote(billing, issued, '-1', 'x'), /must be positive/);
    await refused(issueCreditNote(billing, issued, '0.001', 'x'), /more than 2 decimals/);
    await refused(issueCreditNote(billing, issued, 'abc', 'x'), /not an amount/);
    await refused(issueCreditNote(billing, issued, '1', ' '), /needs a reason/);
    await refused(issueCreditNote(billing, 'nope/none', '1', 'x'), /no invoice/);
  });

  it('twenty concurrent notes of 7.00 on a 100.00 invoice: fourteen pass, the rest are refused, never overdrawn', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => issueCreditNote(billing, issued, '7.00', 'goodwill')),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 14);
    const { rows } = await billing.query<{ sum: string }>(
      'SELECT sum(amount)::text AS sum FROM credit_notes WHERE invoice_id = $1',
      [issued],
    );
    assert.equal(Number(rows[0]!.sum), 98);
    await refused(issueCreditNote(billing, issued, '2.01', 'x'), /more than the 2\.00 EUR left to credit/);
    const last = await issueCreditNote(billing, issued, '2', 'the rest');
    assert.equal(last.amount, '2.00');
  });
});
