// Invoice data in billing_db: the tenant's metered events around a period, the price catalogue, exchange
// rates, the tenant's terms, and the invoice rows themselves (drafts replaced, issued ones final).
import type { Pool } from 'pg';
import { meteredEventsAround } from '../billing/events-store.ts';
import type { MeteredEvent } from '../billing/usage.ts';
import type { ExportedInvoice } from './export.ts';

export function eventsAround(pool: Pool, tenant: string, start: Date, end: Date): Promise<MeteredEvent[]> {
  return meteredEventsAround(pool, start, end, tenant);
}

export interface PriceRow {
  resource_class: string;
  region: string;
  currency: string;
  unit_price: string;
  effective_from: Date;
  effective_to: Date | null;
}

export async function pricesIn(pool: Pool, currency: string): Promise<PriceRow[]> {
  const { rows } = await pool.query<PriceRow>(
    `SELECT resource_class, region, currency, unit_price::text AS unit_price, effective_from, effective_to
       FROM prices WHERE currency = $1 ORDER BY resource_class, region, effective_from`,
    [currency],
  );
  return rows;
}

/** Units of `currency` per US dollar in force at `at`, or undefined when the table has none. */
export async function rateAt(pool: Pool, currency: string, at: Date): Promise<string | undefined> {
  const { rows } = await pool.query<{ per_usd: string }>(
    `SELECT per_usd::text AS per_usd FROM exchange_rates WHERE currency = $1 AND effective_from <= $2
      ORDER BY effective_from DESC LIMIT 1`,
    [currency, at],
  );
  return rows[0]?.per_usd;
}

export interface TermsRow {
  tax_rate: string;
  discounts: unknown[];
  credits: unknown[];
}

export async function termsOf(pool: Pool, tenant: string): Promise<TermsRow> {
  const { rows } = await pool.query<TermsRow>(
    'SELECT tax_rate::text AS tax_rate, discounts, credits FROM billing_terms WHERE tenant = $1',
    [tenant],
  );
  return rows[0] ?? { tax_rate: '0', discounts: [], credits: [] };
}

export interface IssuedRecord {
  id: string;
  presented: unknown;
}

export async function issuedInvoice(pool: Pool, id: string): Promise<IssuedRecord | undefined> {
  const { rows } = await pool.query<IssuedRecord>(
    "SELECT id, presented FROM invoices WHERE id = $1 AND status = 'Issued'",
    [id],
  );
  return rows[0];
}

/** The columns of an invoice row, from its presented form (amounts as decimal strings). */
function values(uid: string, p: ExportedInvoice, status: 'Draft' | 'Issued'): unknown[] {
  return [
    p.id,
    uid,
    p.tenant,
    p.periodStart,
    p.periodEnd,
    p.currency,
    status,
    p.subtotal,
    p.discounts,
    p.tax,
    p.credits,
    p.total,
    p.exchangeRateToUSD ?? null,
    JSON.stringify(p.lines),
    p.issuedAt ?? null,
    JSON.stringify(p),
  ];
}

const upsert = `INSERT INTO invoices (id, uid, tenant, period_start, period_end, currency, status, subtotal, discount_total,
    tax_total, credit_total, total, per_usd, lines, issued_at, presented, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())
  ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, subtotal = EXCLUDED.subtotal,
    discount_total = EXCLUDED.discount_total, tax_total = EXCLUDED.tax_total, credit_total = EXCLUDED.credit_total,
    total = EXCLUDED.total, per_usd = EXCLUDED.per_usd, lines = EXCLUDED.lines, issued_at = EXCLUDED.issued_at,
    currency = EXCLUDED.currency, presented = EXCLUDED.presented, updated_at = now()
  WHERE invoices.status = 'Draft'`;

export async function saveDraft(pool: Pool, uid: string, p: ExportedInvoice): Promise<void> {
  await pool.query(upsert, values(uid, p, 'Draft'));
}

/** Another Invoice object already issued this tenant's invoice for the period. */
export class AlreadyIssued extends Error {}

/**
 * Issues the invoice and consumes the credits it used, in one transaction. A row already issued is left as
 * it is, and its credits are not consumed a second time.
 */
export async function issueInvoice(
  pool: Pool,
  uid: string,
  p: ExportedInvoice,
  remainingCredits: { id: string; balance: string }[],
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rowCount } = await client.query(upsert, values(uid, p, 'Issued'));
    if (rowCount === 1 && remainingCredits.length > 0) {
      await client.query('UPDATE billing_terms SET credits = $2 WHERE tenant = $1', [
        p.tenant,
        JSON.stringify(remainingCredits),
      ]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if ((err as { code?: string }).code === '23505') {
      throw new AlreadyIssued(
        `an invoice for ${p.tenant} from ${p.periodStart} to ${p.periodEnd} is already issued; this one would duplicate it`,
      );
    }
    throw err;
  } finally {
    client.release();
  }
}
