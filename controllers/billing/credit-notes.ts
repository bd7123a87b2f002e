// Credit notes: the only way to correct an issued invoice. A note is in the invoice's currency, whole minor
// units, positive, and all notes of an invoice together never exceed its total; the check and the insert
// happen under a lock on the invoice row, so two notes written at once cannot overdraw it.
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { Dec, isWholeMinor, minorUnits, type Currency } from './domain/money.ts';

export class CreditNoteRefused extends Error {}

export interface CreditNote {
  id: string;
  invoiceId: string;
  amount: string;
  currency: string;
  reason: string;
}

export async function issueCreditNote(
  pool: Pool,
  invoiceId: string,
  amountText: string,
  reason: string,
): Promise<CreditNote> {
  if (!reason.trim()) throw new CreditNoteRefused('a credit note needs a reason');
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ status: string; currency: string | null; total: string }>(
      'SELECT status, currency, total::text FROM invoices WHERE id = $1 FOR UPDATE',
      [invoiceId],
    );
    const inv = rows[0];
    if (!inv) throw new CreditNoteRefused(`no invoice ${invoiceId}`);
    if (inv.status !== 'Issued')
      throw new CreditNoteRefused(
        `invoice ${invoiceId} is a draft; drafts are corrected by recomputing, not by credit notes`,
      );
    if (!inv.currency)
      throw new CreditNoteRefused(
        `invoice ${invoiceId} has no currency yet; run npm run billing:backfill first`,
      );
    const currency = inv.currency.trim() as Currency;
    let amount;
    try {
      amount = new Dec(amountText);
    } catch {
      throw new CreditNoteRefused(`${amountText} is not an amount`);
    }
    if (!amount.isFinite() || amount.lessThanOrEqualTo(0))
      throw new CreditNoteRefused('the amount must be positive');
    if (!isWholeMinor(amount, currency))
      throw new CreditNoteRefused(
        `${amountText} has more than ${minorUnits(currency)} decimals, finer than ${currency} allows`,
      );
    const { rows: credited } = await client.query<{ sum: string }>(
      'SELECT COALESCE(sum(amount), 0)::text AS sum FROM credit_notes WHERE invoice_id = $1',
      [invoiceId],
    );
    const left = new Dec(inv.total).minus(credited[0]!.sum);
    if (amount.greaterThan(left)) {
      throw new CreditNoteRefused(
        `${amount.toFixed(minorUnits(currency))} ${currency} is more than the ${left.toFixed(minorUnits(currency))} ${currency} left to credit on ${invoiceId}`,
      );
    }
    const note = {
      id: randomUUID(),
      invoiceId,
      amount: amount.toFixed(minorUnits(currency)),
      currency,
      reason: reason.trim(),
    };
    await client.query(
      'INSERT INTO credit_notes (id, invoice_id, amount, currency, reason) VALUES ($1, $2, $3, $4, $5)',
      [note.id, note.invoiceId, note.amount, note.currency, note.reason],
    );
    await client.query('COMMIT');
    return note;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
