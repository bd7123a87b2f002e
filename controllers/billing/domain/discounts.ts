// Invoice discounts: percentage discounts first, then fixed ones, each in input order and each on what is
// left of the lines it targets (one resource class, or all lines), so the discounted amount never goes
// below zero, overall or for any class. Every discount is rounded once, to minor units, half to even.
//
// Discounts compound in that order: 10% then 10% on the same lines takes 19%, not 20%. A discount that
// targets all lines is spread over the classes by allocate() (exact), so that a later class-limited
// discount sees what really remains of its class.
import type { Decimal } from 'decimal.js';
import { allocate } from './allocation.ts';
import { assertWholeMinor, roundToMinor, sumMoney, toDec, ZERO, type Currency } from './money.ts';

export type Discount =
  | { kind: 'percentage'; id: string; rate: Decimal; resourceClass?: string }
  | { kind: 'fixed'; id: string; amount: Decimal; resourceClass?: string };

export interface AppliedDiscount {
  id: string;
  kind: Discount['kind'];
  resourceClass?: string;
  /** What remained of the targeted lines just before this discount. */
  base: Decimal;
  /** The rate (percentage) or the amount asked for (fixed). */
  rate?: Decimal;
  requested?: Decimal;
  /** The reduction actually taken, a non-negative whole number of minor units. */
  amount: Decimal;
}

function validate(discount: Discount, currency: Currency): void {
  if (discount.kind === 'percentage') {
    const rate = toDec(discount.rate, `rate of discount ${discount.id}`);
    if (rate.isNegative() || rate.greaterThan(1)) {
      throw new RangeError(`discount ${discount.id}: rate ${rate.toString()} is outside 0..1`);
    }
  } else {
    const amount = assertWholeMinor(discount.amount, currency, `discount ${discount.id}`);
    if (amount.isNegative()) throw new RangeError(`discount ${discount.id}: amount is negative`);
  }
}

/** Takes `amount` off the targeted classes; a multi-class amount is split by what each has left. */
function takeFrom(
  remaining: Map<string, Decimal>,
  targets: string[],
  amount: Decimal,
  currency: Currency,
): void {
  if (amount.isZero()) return;
  const parts = allocate(
    amount,
    currency,
    targets.map((c) => ({ tenant: c, weight: remaining.get(c)! })),
  );
  // Each part is at most its class's remainder: amount <= sum of remainders and parts are ceil at most.
  for (const [c, part] of parts) remaining.set(c, remaining.get(c)!.minus(part));
}

/**
 * Applies the discounts to per-class amounts (each a sum of rounded lines). Returns the discounts as
 * applied, in the order applied: percentage ones first, then fixed ones.
 */
export function applyDiscounts(
  classAmounts: Map<string, Decimal>,
  discounts: Discount[],
  currency: Currency,
): AppliedDiscount[] {
  discounts.forEach((d) => validate(d, currency));
  const remaining = new Map(classAmounts);
  const ordered = [
    ...discounts.filter((d) => d.kind === 'percentage'),
    ...discounts.filter((d) => d.kind === 'fixed'),
  ];
  return ordered.map((discount) => {
    const targets =
      discount.resourceClass === undefined
        ? [...remaining.keys()]
        : remaining.has(discount.resourceClass)
          ? [discount.resourceClass]
          : [];
    const base = sumMoney(targets.map((c) => remaining.get(c)!));
    let amount: Decimal;
    if (discount.kind === 'percentage') {
      // base is whole minor units and rate <= 1, so the rounded discount never exceeds base.
      amount = roundToMinor(base.times(toDec(discount.rate)), currency);
    } else {
      const requested = toDec(discount.amount);
      amount = requested.lessThan(base) ? requested : base;
    }
    takeFrom(remaining, targets, amount, currency);
    const applied: AppliedDiscount = { id: discount.id, kind: discount.kind, base, amount };
    if (discount.resourceClass !== undefined) applied.resourceClass = discount.resourceClass;
    if (discount.kind === 'percentage') applied.rate = toDec(discount.rate);
    else applied.requested = toDec(discount.amount);
    return applied;
  });
}

/** Sum of the reductions taken. */
export function totalDiscount(applied: AppliedDiscount[]): Decimal {
  return applied.reduce((sum, d) => sum.plus(d.amount), ZERO);
}
