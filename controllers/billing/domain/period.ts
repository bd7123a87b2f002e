// Time for billing: UTC instants, half-open intervals [start, end), calendar-month billing periods and
// exact overlaps. An instant exactly at a period's end belongs to the next period.
import type { Decimal } from 'decimal.js';
import { Dec } from './money.ts';

/** A half-open interval of UTC instants: start is inside, end is not. */
export interface Interval {
  start: Date;
  end: Date;
}

const msPerDay = 86_400_000;

/** Refuses anything but a valid Date; a Date is always a UTC instant, so there is no zone to check. */
export function assertInstant(value: unknown, what = 'instant'): Date {
  if (!(value instanceof Date)) throw new TypeError(`${what} must be a Date, got ${typeof value}`);
  if (Number.isNaN(value.getTime())) throw new RangeError(`${what} is an invalid Date`);
  return value;
}

/** Refuses an interval whose end is before its start; an empty interval (start = end) is allowed. */
export function assertInterval(interval: Interval, what = 'interval'): Interval {
  assertInstant(interval.start, `${what}.start`);
  assertInstant(interval.end, `${what}.end`);
  if (interval.end.getTime() < interval.start.getTime()) {
    throw new RangeError(
      `${what} ends (${interval.end.toISOString()}) before it starts (${interval.start.toISOString()})`,
    );
  }
  return interval;
}

/** The calendar month `month` (1-12) of `year` in UTC: [first day 00:00, first day of next month 00:00). */
export function monthPeriod(year: number, month: number): Interval {
  if (!Number.isInteger(year) || year < 1970 || year > 9999) throw new RangeError(`bad year ${year}`);
  if (!Number.isInteger(month) || month < 1 || month > 12) throw new RangeError(`bad month ${month}`);
  return { start: new Date(Date.UTC(year, month - 1, 1)), end: new Date(Date.UTC(year, month, 1)) };
}

/** The calendar-month period that holds the instant (an instant at 00:00 on the 1st starts its month). */
export function periodContaining(date: Date): Interval {
  assertInstant(date, 'date');
  return monthPeriod(date.getUTCFullYear(), date.getUTCMonth() + 1);
}

/** start <= date < end. */
export function contains(interval: Interval, date: Date): boolean {
  const t = assertInstant(date, 'date').getTime();
  return interval.start.getTime() <= t && t < interval.end.getTime();
}

/** The common part of two intervals, or undefined when they do not overlap (touching is not overlapping). */
export function intersect(a: Interval, b: Interval): Interval | undefined {
  const start = Math.max(a.start.getTime(), b.start.getTime());
  const end = Math.min(a.end.getTime(), b.end.getTime());
  return end > start ? { start: new Date(start), end: new Date(end) } : undefined;
}

/** Exact length in seconds; Dates carry milliseconds, so the result can have up to three decimals. */
export function durationSeconds(interval: Interval): Decimal {
  assertInterval(interval);
  return new Dec(interval.end.getTime() - interval.start.getTime()).dividedBy(1000);
}

/** Seconds two intervals share, exactly (0 when they only touch). */
export function overlapSeconds(a: Interval, b: Interval): Decimal {
  assertInterval(a, 'a');
  assertInterval(b, 'b');
  const common = intersect(a, b);
  return common ? durationSeconds(common) : new Dec(0);
}

/** 00:00 UTC of the day holding the instant. */
export function startOfUtcDay(date: Date): Date {
  const t = assertInstant(date, 'date').getTime();
  return new Date(t - (((t % msPerDay) + msPerDay) % msPerDay));
}

/** True when the instant is exactly 00:00:00.000 UTC. */
export function isUtcMidnight(date: Date): boolean {
  return startOfUtcDay(date).getTime() === date.getTime();
}

export { msPerDay };
