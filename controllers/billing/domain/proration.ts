// Proration: usage segments cut at price changes and at calendar-month boundaries, each piece carrying the
// one unit price in force for all of it and its exact unit-seconds. Hours are seconds/3600 as Decimal.
import type { Decimal } from 'decimal.js';
import { Dec, toDec, type Currency } from './money.ts';
import { assertInstant, assertInterval, intersect, periodContaining, type Interval } from './period.ts';

/** A resource using `quantity` units (e.g. 4 vCPU, 100 GiB) steadily from start to end (half-open). */
export interface UsageSegment {
  resourceClass: string;
  region: string;
  start: Date;
  end: Date;
  quantity: Decimal;
  resourceId?: string;
  labels?: Record<string, string>;
}

/**
 * Price per unit per hour of a class in a region, in force from effectiveFrom (inclusive) to effectiveTo
 * (exclusive; absent or null = open-ended).
 */
export interface PriceEntry {
  resourceClass: string;
  region: string;
  currency: Currency;
  unitPricePerHour: Decimal;
  effectiveFrom: Date;
  effectiveTo?: Date | null;
}

/** A part of a segment lying within one billing month and under one price. */
export interface ProratedUsage extends UsageSegment {
  period: Interval;
  currency: Currency;
  unitPricePerHour: Decimal;
  /** Length of the piece in seconds (exact). */
  seconds: Decimal;
  /** quantity × seconds (exact); amounts are computed from this so that /3600 happens once. */
  unitSeconds: Decimal;
  /** unitSeconds / 3600, for display: a third of an hour is not a finite decimal. */
  unitHours: Decimal;
}

export class MissingPriceError extends Error {
  override readonly name = 'MissingPriceError';
  constructor(
    readonly resourceClass: string,
    readonly region: string,
    readonly currency: Currency,
    readonly at: Date,
    readonly until: Date,
  ) {
    super(
      `no price for resource class "${resourceClass}" in region "${region}" in ${currency} ` +
        `from ${at.toISOString()} to ${until.toISOString()}`,
    );
  }
}

export class AmbiguousPriceError extends Error {
  override readonly name = 'AmbiguousPriceError';
  constructor(
    readonly resourceClass: string,
    readonly region: string,
    readonly currency: Currency,
    readonly at: Date,
  ) {
    super(
      `more than one price for resource class "${resourceClass}" in region "${region}" in ${currency} ` +
        `at ${at.toISOString()}: catalogue entries overlap`,
    );
  }
}

const secondsPerHour = new Dec(3600);

/** price × unitSeconds / 3600: one division, so a half-minor-unit amount stays exactly a half. */
export function exactAmount(unitPricePerHour: Decimal, unitSeconds: Decimal): Decimal {
  return toDec(unitPricePerHour, 'unit price').times(toDec(unitSeconds)).dividedBy(secondsPerHour);
}

function endOf(entry: PriceEntry): number {
  return entry.effectiveTo ? entry.effectiveTo.getTime() : Number.POSITIVE_INFINITY;
}

function validateEntry(entry: PriceEntry): void {
  assertInstant(entry.effectiveFrom, 'price effectiveFrom');
  if (entry.effectiveTo) {
    assertInstant(entry.effectiveTo, 'price effectiveTo');
    if (endOf(entry) <= entry.effectiveFrom.getTime()) {
      throw new RangeError(`price for ${entry.resourceClass}/${entry.region} ends before it starts`);
    }
  }
  if (toDec(entry.unitPricePerHour, 'unit price').isNegative()) {
    throw new RangeError(`price for ${entry.resourceClass}/${entry.region} is negative`);
  }
}

function validateSegment(segment: UsageSegment): void {
  assertInterval(segment, `usage segment ${segment.resourceId ?? segment.resourceClass}`);
  if (toDec(segment.quantity, 'quantity').isNegative()) {
    throw new RangeError(`usage quantity is negative for ${segment.resourceId ?? segment.resourceClass}`);
  }
}

/** The pieces of one segment, cut at every price change and month boundary inside it. */
function prorateSegment(segment: UsageSegment, span: Interval, prices: PriceEntry[], currency: Currency) {
  const pieces: ProratedUsage[] = [];
  const spanEnd = span.end.getTime();
  let t = span.start.getTime();
  while (t < spanEnd) {
    const covering = prices.filter((p) => p.effectiveFrom.getTime() <= t && t < endOf(p));
    if (covering.length === 0) {
      const nextStart = Math.min(
        spanEnd,
        ...prices.map((p) => p.effectiveFrom.getTime()).filter((s) => s > t),
      );
      throw new MissingPriceError(
        segment.resourceClass,
        segment.region,
        currency,
        new Date(t),
        new Date(nextStart),
      );
    }
    if (covering.length > 1) {
      throw new AmbiguousPriceError(segment.resourceClass, segment.region, currency, new Date(t));
    }
    const price = covering[0]!;
    const period = periodContaining(new Date(t));
    // Cutting at every entry's start, not only this one's end, is what exposes an overlapping entry.
    const nextStart = Math.min(...prices.map((p) => p.effectiveFrom.getTime()).filter((s) => s > t));
    const end = Math.min(spanEnd, endOf(price), period.end.getTime(), nextStart);
    const seconds = new Dec(end - t).dividedBy(1000);
    const unitSeconds = toDec(segment.quantity, 'quantity').times(seconds);
    pieces.push({
      ...segment,
      start: new Date(t),
      end: new Date(end),
      period,
      currency,
      unitPricePerHour: toDec(price.unitPricePerHour, 'unit price'),
      seconds,
      unitSeconds,
      unitHours: unitSeconds.dividedBy(secondsPerHour),
    });
    t = end;
  }
  return pieces;
}

/**
 * Splits usage into priced pieces in `currency`. With `within`, only the part of each segment inside
 * it is kept (an invoice passes its period). Throws MissingPriceError for any instant of usage that
 * no catalogue entry covers, and AmbiguousPriceError where two entries overlap.
 */
export function prorate(
  segments: UsageSegment[],
  catalogue: PriceEntry[],
  currency: Currency,
  within?: Interval,
): ProratedUsage[] {
  if (within) assertInterval(within, 'within');
  catalogue.forEach(validateEntry);
  const pieces: ProratedUsage[] = [];
  for (const segment of segments) {
    validateSegment(segment);
    const span = within ? intersect(segment, within) : intersect(segment, segment);
    if (!span) continue;
    const prices = catalogue.filter(
      (p) =>
        p.resourceClass === segment.resourceClass && p.region === segment.region && p.currency === currency,
    );
    pieces.push(...prorateSegment(segment, span, prices, currency));
  }
  return pieces;
}
