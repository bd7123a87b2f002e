// From what billing_db holds to an invoice: usage derived from metered events, the catalogue in the tenant's
// currency (USD prices converted at the exchange rate where the currency has none), the tenant's terms.
import type { Pool } from 'pg';
import type { Currency } from '../../crds/schemas/common.ts';
import { buildInvoice, type Credit, type Invoice } from '../billing/domain/invoice.ts';
import type { Discount } from '../billing/domain/discounts.ts';
import { Dec } from '../billing/domain/money.ts';
import type { PriceEntry } from '../billing/domain/proration.ts';
import { usageSegments } from '../billing/usage.ts';
import { eventsAround, pricesIn, rateAt, termsOf, type PriceRow } from './store.ts';

export interface Period {
  start: Date;
  end: Date;
}

function toEntry(r: PriceRow, currency: Currency, factor = '1'): PriceEntry {
  return {
    resourceClass: r.resource_class,
    region: r.region,
    currency,
    unitPricePerHour: new Dec(r.unit_price).times(factor),
    effectiveFrom: r.effective_from,
    effectiveTo: r.effective_to,
  };
}

/** The catalogue in `currency`: its own prices, and USD prices converted at `perUsd` for what it lacks. */
export async function catalogueIn(pool: Pool, currency: Currency, perUsd: string): Promise<PriceEntry[]> {
  const own = await pricesIn(pool, currency);
  const entries = own.map((r) => toEntry(r, currency));
  if (currency === 'USD') return entries;
  const have = new Set(own.map((r) => `${r.resource_class}/${r.region}`));
  for (const r of await pricesIn(pool, 'USD')) {
    if (!have.has(`${r.resource_class}/${r.region}`)) entries.push(toEntry(r, currency, perUsd));
  }
  return entries;
}

function parseDiscounts(raw: unknown[]): Discount[] {
  return raw.map((d, i) => {
    const x = d as { kind?: string; id?: string; rate?: string; amount?: string; resourceClass?: string };
    const id = x.id ?? `discount-${i + 1}`;
    if (x.kind === 'percentage')
      return { kind: 'percentage', id, rate: new Dec(x.rate ?? '0'), resourceClass: x.resourceClass };
    return { kind: 'fixed', id, amount: new Dec(x.amount ?? '0'), resourceClass: x.resourceClass };
  });
}

function parseCredits(raw: unknown[]): Credit[] {
  return raw.map((c, i) => {
    const x = c as { id?: string; balance?: string };
    return { id: x.id ?? `credit-${i + 1}`, balance: new Dec(x.balance ?? '0') };
  });
}

export class MissingExchangeRateError extends Error {
  constructor(readonly currency: Currency) {
    super(`no exchange rate for ${currency} in billing_db.exchange_rates; add one to invoice in ${currency}`);
  }
}

export interface Computed {
  invoice: Invoice;
  perUsd: string;
}

/** The invoice of `tenant` for `period`, with usage counted up to `until` (the period end once it closed). */
export async function computeInvoice(
  pool: Pool,
  tenant: string,
  currency: Currency,
  period: Period,
  until: Date,
  now: Date,
): Promise<Computed> {
  const perUsd = await rateAt(pool, currency, now);
  if (!perUsd) throw new MissingExchangeRateError(currency);
  const events = await eventsAround(pool, tenant, period.start, until);
  const usage = usageSegments(events, period.start, until).map((s) => ({
    resourceClass: s.resourceClass,
    region: s.region,
    start: s.start,
    end: s.end,
    quantity: new Dec(s.quantity),
    resourceId: s.resourceUid,
  }));
  const terms = await termsOf(pool, tenant);
  const invoice = buildInvoice({
    tenant,
    currency,
    period: { start: period.start, end: period.end },
    usage,
    catalogue: await catalogueIn(pool, currency, perUsd),
    discounts: parseDiscounts(terms.discounts),
    credits: parseCredits(terms.credits),
    taxRate: new Dec(terms.tax_rate),
  });
  return { invoice, perUsd };
}
