// Building one tenant's invoice for one period from usage, prices, discounts, credits and a tax rate.
// Pure: inputs in, every part of the invoice out, so a caller can show (and an auditor recompute) each step.
//
// The order, each step rounded ONCE to the currency's minor unit with banker's rounding (half to even):
//   (1) line amounts: usage is prorated (proration.ts) and grouped per (resource class, region, unit
//       price); a line's amount is unit price × unit-seconds / 3600, rounded once. The subtotal is the sum
//       of the rounded lines. A price change mid-period gives the same class and region two lines, one per
//       unit price, so every line reads quantity × unit price ≈ amount.
//   (2) percentage discounts on the lines they target, each rounded once, in input order, each on what the
//       earlier ones left (they compound; discounts.ts);
//   (3) fixed discounts, in input order, never taking any class or the subtotal below zero;
//   (4) tax on the discounted subtotal, rounded once;
//   (5) credits, in input order, on the taxed total, never below zero; what a credit does not use is
//       returned as its remaining balance.
// total = subtotal − discounts + tax − credits, every term already whole minor units, so the sum is exact.
import type { Decimal } from 'decimal.js';
import { applyDiscounts, totalDiscount, type AppliedDiscount, type Discount } from './discounts.ts';
import { assertWholeMinor, roundToMinor, sumMoney, toDec, ZERO, type Currency } from './money.ts';
import { assertInterval, type Interval } from './period.ts';
import { exactAmount, prorate, type PriceEntry, type ProratedUsage, type UsageSegment } from './proration.ts';

/** A prepaid or goodwill credit with the balance still available to spend. */
export interface Credit {
  id: string;
  balance: Decimal;
}

export interface AppliedCredit {
  id: string;
  balanceBefore: Decimal;
  applied: Decimal;
  remaining: Decimal;
}

export interface InvoiceInput {
  tenant: string;
  currency: Currency;
  period: Interval;
  usage: UsageSegment[];
  catalogue: PriceEntry[];
  discounts?: Discount[];
  credits?: Credit[];
  /** 0.19 for 19 %. */
  taxRate: Decimal;
}

export interface InvoiceLine {
  resourceClass: string;
  region: string;
  unitPricePerHour: Decimal;
  /** Unit-hours (display; the amount is computed from unit-seconds). */
  quantity: Decimal;
  unitSeconds: Decimal;
  /** Unrounded price × quantity, shown so the single rounding can be checked. */
  exactAmount: Decimal;
  amount: Decimal;
}

export interface Invoice {
  tenant: string;
  currency: Currency;
  period: Interval;
  lines: InvoiceLine[];
  subtotal: Decimal;
  discounts: AppliedDiscount[];
  discountTotal: Decimal;
  discountedSubtotal: Decimal;
  taxRate: Decimal;
  tax: Decimal;
  taxedTotal: Decimal;
  credits: AppliedCredit[];
  creditTotal: Decimal;
  total: Decimal;
}

function lineKey(p: ProratedUsage): string {
  return JSON.stringify([p.resourceClass, p.region, p.unitPricePerHour.toString()]);
}

function compareLines(a: InvoiceLine, b: InvoiceLine): number {
  if (a.resourceClass !== b.resourceClass) return a.resourceClass < b.resourceClass ? -1 : 1;
  if (a.region !== b.region) return a.region < b.region ? -1 : 1;
  return a.unitPricePerHour.comparedTo(b.unitPricePerHour);
}

/** Step (1): one line per (class, region, unit price), each rounded once; sorted for a stable layout. */
export function invoiceLines(pieces: ProratedUsage[], currency: Currency): InvoiceLine[] {
  const groups = new Map<string, { first: ProratedUsage; unitSeconds: Decimal }>();
  for (const p of pieces) {
    const key = lineKey(p);
    const group = groups.get(key);
    if (group) group.unitSeconds = group.unitSeconds.plus(p.unitSeconds);
    else groups.set(key, { first: p, unitSeconds: p.unitSeconds });
  }
  return [...groups.values()]
    .map(({ first, unitSeconds }) => {
      const exact = exactAmount(first.unitPricePerHour, unitSeconds);
      return {
        resourceClass: first.resourceClass,
        region: first.region,
        unitPricePerHour: first.unitPricePerHour,
        quantity: unitSeconds.dividedBy(3600),
        unitSeconds,
        exactAmount: exact,
        amount: roundToMinor(exact, currency),
      };
    })
    .sort(compareLines);
}

/** Step (5): credits in input order against the taxed total, never below zero. */
export function applyCredits(due: Decimal, credits: Credit[], currency: Currency): AppliedCredit[] {
  let left = toDec(due);
  return credits.map((credit) => {
    const balance = assertWholeMinor(credit.balance, currency, `credit ${credit.id}`);
    if (balance.isNegative()) throw new RangeError(`credit ${credit.id} has a negative balance`);
    const applied = balance.lessThan(left) ? balance : left;
    left = left.minus(applied);
    return { id: credit.id, balanceBefore: balance, applied, remaining: balance.minus(applied) };
  });
}

export function buildInvoice(input: InvoiceInput): Invoice {
  const { currency } = input;
  const period = assertInterval(input.period, 'invoice period');
  const taxRate = toDec(input.taxRate, 'tax rate');
  if (taxRate.isNegative()) throw new RangeError('tax rate is negative');

  const lines = invoiceLines(prorate(input.usage, input.catalogue, currency, period), currency);
  const subtotal = sumMoney(lines.map((l) => l.amount));

  const classAmounts = new Map<string, Decimal>();
  for (const l of lines)
    classAmounts.set(l.resourceClass, (classAmounts.get(l.resourceClass) ?? ZERO).plus(l.amount));
  const discounts = applyDiscounts(classAmounts, input.discounts ?? [], currency);
  const discountTotal = totalDiscount(discounts);
  const discountedSubtotal = subtotal.minus(discountTotal);

  const tax = roundToMinor(discountedSubtotal.times(taxRate), currency);
  const taxedTotal = discountedSubtotal.plus(tax);

  const credits = applyCredits(taxedTotal, input.credits ?? [], currency);
  const creditTotal = sumMoney(credits.map((c) => c.applied));

  return {
    tenant: input.tenant,
    currency,
    period,
    lines,
    subtotal,
    discounts,
    discountTotal,
    discountedSubtotal,
    taxRate,
    tax,
    taxedTotal,
    credits,
    creditTotal,
    total: taxedTotal.minus(creditTotal),
  };
}
