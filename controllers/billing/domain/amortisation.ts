// Amortisation of reserved capacity: a purchase spread evenly over the days of its term so that the days,
// and so any set of periods covering the term, add up to the purchase exactly.
//
// Remainder carried: after k of n days the amount recognised is floor(amount × k / n) in minor units (in
// magnitude; a negative purchase, a refund, mirrors it). Each day is that cumulative figure minus the
// previous one, so every day is floor or ceil of amount/n, the extra minor units fall evenly through the
// term, and the days telescope to the purchase. A day belongs to the period holding its 00:00 UTC.
import type { Decimal } from 'decimal.js';
import { fromMinor, toMinor, type Currency } from './money.ts';
import { assertInterval, isUtcMidnight, msPerDay, type Interval } from './period.ts';

export interface Reservation {
  id: string;
  amount: Decimal;
  currency: Currency;
  /** Whole UTC days: start and end at 00:00 UTC, end exclusive. */
  term: Interval;
}

export interface AmortisedDay {
  day: Date;
  amount: Decimal;
}

/** Number of days in the term; refuses terms that are empty or not whole UTC days. */
export function termDays(reservation: Reservation): number {
  const { term } = reservation;
  assertInterval(term, `term of reservation ${reservation.id}`);
  if (!isUtcMidnight(term.start) || !isUtcMidnight(term.end)) {
    throw new RangeError(`term of reservation ${reservation.id} must start and end at 00:00 UTC`);
  }
  const days = (term.end.getTime() - term.start.getTime()) / msPerDay;
  if (days < 1) throw new RangeError(`term of reservation ${reservation.id} is empty`);
  return days;
}

/** Minor units recognised over the first `days` days of the term. */
function recognisedAfter(reservation: Reservation, days: number): bigint {
  const n = BigInt(termDays(reservation));
  const total = toMinor(reservation.amount, reservation.currency);
  const magnitude = ((total < 0n ? -total : total) * BigInt(days)) / n;
  return total < 0n ? -magnitude : magnitude;
}

/** Term days starting before `instant`, clamped to 0..n. */
function daysBefore(reservation: Reservation, instant: Date): number {
  const n = termDays(reservation);
  // Whole milliseconds over a day, quotient at most a few hundred thousand: the float is exact enough for ceil.
  const days = Math.ceil((instant.getTime() - reservation.term.start.getTime()) / msPerDay);
  return Math.min(n, Math.max(0, days));
}

/** The amount recognised in the period: the term days whose 00:00 UTC falls in [start, end). */
export function amortisedIn(reservation: Reservation, period: Interval): Decimal {
  assertInterval(period, 'period');
  const from = daysBefore(reservation, period.start);
  const to = daysBefore(reservation, period.end);
  return fromMinor(
    recognisedAfter(reservation, to) - recognisedAfter(reservation, from),
    reservation.currency,
  );
}

/** Every day of the term with its amount; the amounts sum to the purchase exactly. */
export function amortisationSchedule(reservation: Reservation): AmortisedDay[] {
  const n = termDays(reservation);
  const start = reservation.term.start.getTime();
  const days: AmortisedDay[] = [];
  let before = 0n;
  for (let k = 1; k <= n; k++) {
    const after = recognisedAfter(reservation, k);
    days.push({
      day: new Date(start + (k - 1) * msPerDay),
      amount: fromMinor(after - before, reservation.currency),
    });
    before = after;
  }
  return days;
}
