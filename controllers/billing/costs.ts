// Historical cost of a tenant, pure: cost per day or per month of a range (usage priced and rounded per line
// exactly as on an invoice, so the months add up to the invoices' subtotals), reserved capacity amortised
// into the same buckets, cost by a label's value, and the days whose cost is an anomaly against the
// trailing window (see domain/anomaly.ts for the window and threshold).
import type { Decimal } from 'decimal.js';
import { detectAnomalies, type DayVerdict } from './domain/anomaly.ts';
import { amortisedIn, type Reservation } from './domain/amortisation.ts';
import { invoiceLines } from './domain/invoice.ts';
import { Dec, roundToMinor, sumMoney, type Currency } from './domain/money.ts';
import { monthPeriod, type Interval } from './domain/period.ts';
import { exactAmount, prorate, type PriceEntry } from './domain/proration.ts';
import { costByTag, type LabelSelector } from './domain/tags.ts';
import { usageSegments, type MeteredEvent } from './usage.ts';

export interface CostBucket {
  start: Date;
  end: Date;
  usage: Decimal;
  reserved: Decimal;
  total: Decimal;
}

export interface CostReport {
  currency: Currency;
  buckets: CostBucket[];
  total: Decimal;
  byTag?: Map<string, Decimal>;
  anomalies: DayVerdict[];
}

export interface CostQuery {
  range: Interval;
  by: 'day' | 'month';
  groupByLabel?: string;
  selector?: LabelSelector;
}

/** The day or month buckets covering the range, cut to it. */
export function buckets(range: Interval, by: 'day' | 'month'): Interval[] {
  const out: Interval[] = [];
  let start = range.start;
  while (start < range.end) {
    const natural =
      by === 'day'
        ? new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + 1))
        : monthPeriod(start.getUTCFullYear(), start.getUTCMonth() + 1).end;
    const end = natural < range.end ? natural : range.end;
    out.push({ start, end });
    start = end;
  }
  return out;
}

function segmentsOf(events: readonly MeteredEvent[], range: Interval) {
  return usageSegments(events, range.start, range.end).map((s) => ({
    resourceClass: s.resourceClass,
    region: s.region,
    start: s.start,
    end: s.end,
    quantity: new Dec(s.quantity),
    resourceId: s.resourceUid,
    ...(s.labels ? { labels: s.labels } : {}),
  }));
}

function usageCost(
  segments: ReturnType<typeof segmentsOf>,
  catalogue: PriceEntry[],
  currency: Currency,
  within: Interval,
): Decimal {
  return sumMoney(
    invoiceLines(prorate(segments, catalogue, currency, within), currency).map((l) => l.amount),
  );
}

export function costReport(
  events: readonly MeteredEvent[],
  catalogue: PriceEntry[],
  currency: Currency,
  reservations: Reservation[],
  q: CostQuery,
): CostReport {
  const segments = segmentsOf(events, q.range);
  const list = buckets(q.range, q.by).map((b) => {
    const usage = usageCost(segments, catalogue, currency, b);
    const reserved = sumMoney(reservations.map((r) => amortisedIn(r, b)));
    return { start: b.start, end: b.end, usage, reserved, total: usage.plus(reserved) };
  });
  const daily = new Map(
    (q.by === 'day'
      ? list
      : buckets(q.range, 'day').map((b) => ({
          start: b.start,
          total: usageCost(segments, catalogue, currency, b),
        }))
    ).map((b) => [b.start.toISOString().slice(0, 10), b.total]),
  );
  let byTag: Map<string, Decimal> | undefined;
  if (q.groupByLabel) {
    const lines = prorate(segments, catalogue, currency, q.range).map((p) => ({
      amount: exactAmount(p.unitPricePerHour, p.unitSeconds),
      labels: p.labels,
    }));
    byTag = new Map(
      [...costByTag(lines, q.groupByLabel, q.selector)].map(([k, v]) => [k, roundToMinor(v, currency)]),
    );
  }
  return {
    currency,
    buckets: list,
    total: sumMoney(list.map((b) => b.total)),
    byTag,
    anomalies: detectAnomalies(daily),
  };
}
