// Who shares in an allocation over time: the fraction of a period a tenant existed for, and a resource's
// usage split between the tenants that owned it in turn.
//
// - A tenant deleted (or created) mid-period takes part pro rata to the time it was active:
//   activeFraction() is its share of the period's seconds (deleted at 00:00 on the 11th of a 30-day month
//   → 10/30). Scale time-blind weights with it (equal shares, flat fees). Usage-based weights already stop
//   when the tenant does, so scaling them again would count the deletion twice.
// - A resource that changes owner mid-period: its usage is attributed to each owner for the time it owned
//   it (splitByOwnership), then summed per owner (usageByOwner) to weigh a proportional allocation.
import type { Decimal } from 'decimal.js';
import type { Share, TenantUsage } from './allocation.ts';
import { toDec } from './money.ts';
import {
  assertInstant,
  assertInterval,
  durationSeconds,
  intersect,
  overlapSeconds,
  type Interval,
} from './period.ts';
import type { UsageSegment } from './proration.ts';

/** A tenant's tenure of a resource, from start (inclusive) to end (exclusive; absent = still owns it). */
export interface Ownership {
  owner: string;
  start: Date;
  end?: Date | null;
}

export interface OwnedSegment {
  owner: string;
  segment: UsageSegment;
}

/** Part of the period the tenant was active, 0..1, by exact time (1 = the whole period). */
export function activeFraction(tenantInterval: Interval, period: Interval): Decimal {
  const length = durationSeconds(assertInterval(period, 'period'));
  if (length.isZero()) throw new RangeError('period is empty');
  return overlapSeconds(tenantInterval, period).dividedBy(length);
}

/**
 * Scales each weight by the tenant's active fraction; tenants missing from `active` were active throughout.
 * A tenant active in several (disjoint) tenures, such as one deleted and created again, counts them all and
 * not the time between.
 */
export function scaleByActivity(
  shares: Share[],
  active: Map<string, Interval | readonly Interval[]>,
  period: Interval,
): Share[] {
  return shares.map((s) => {
    const tenures = active.get(s.tenant);
    if (!tenures) return s;
    const fraction = (Array.isArray(tenures) ? tenures : [tenures as Interval]).reduce(
      (sum: Decimal, t: Interval) => sum.plus(activeFraction(t, period)),
      toDec(0),
    );
    return { tenant: s.tenant, weight: toDec(s.weight).times(fraction) };
  });
}

function tenure(o: Ownership): Interval {
  assertInstant(o.start, `ownership start of ${o.owner}`);
  if (o.end) assertInstant(o.end, `ownership end of ${o.owner}`);
  // An open tenure runs to the end of representable time.
  return assertInterval({ start: o.start, end: o.end ?? new Date(8.64e15) }, `ownership of ${o.owner}`);
}

/**
 * Cuts a usage segment at owner changes. Refuses overlapping tenures (two owners at once) and any part
 * of the segment no one owned: usage cannot be silently dropped from the allocation.
 */
export function splitByOwnership(segment: UsageSegment, ownerships: Ownership[]): OwnedSegment[] {
  assertInterval(segment, 'usage segment');
  const tenures = ownerships
    .map((o) => ({ owner: o.owner, interval: tenure(o) }))
    .sort((a, b) => a.interval.start.getTime() - b.interval.start.getTime());
  // Sorted by start, a tenure overlaps an earlier one exactly when it starts before the furthest end seen so
  // far; comparing neighbours only would let an empty tenure (start = end, owning nothing) hide an overlap
  // between the tenures on either side of it.
  let reach: { owner: string; interval: Interval } | undefined;
  for (const t of tenures) {
    if (durationSeconds(t.interval).isZero()) continue;
    if (reach && intersect(reach.interval, t.interval)) {
      throw new RangeError(`owners ${reach.owner} and ${t.owner} overlap`);
    }
    if (!reach || t.interval.end.getTime() > reach.interval.end.getTime()) reach = t;
  }
  const pieces: OwnedSegment[] = [];
  let covered = segment.start.getTime();
  for (const t of tenures) {
    const common = intersect(segment, t.interval);
    if (!common) continue;
    if (common.start.getTime() > covered) break;
    pieces.push({ owner: t.owner, segment: { ...segment, start: common.start, end: common.end } });
    covered = common.end.getTime();
  }
  if (covered < segment.end.getTime()) {
    throw new RangeError(
      `usage of ${segment.resourceId ?? segment.resourceClass} has no owner from ${new Date(covered).toISOString()}`,
    );
  }
  return pieces;
}

/**
 * Usage per owner in unit-seconds (quantity × seconds), summed over pieces. Unit-seconds rather than
 * unit-hours: allocation needs only the ratio, and this keeps the weights exact.
 */
export function usageByOwner(pieces: OwnedSegment[]): TenantUsage[] {
  const totals = new Map<string, Decimal>();
  for (const { owner, segment } of pieces) {
    const unitSeconds = toDec(segment.quantity, 'quantity').times(durationSeconds(segment));
    totals.set(owner, (totals.get(owner) ?? toDec(0)).plus(unitSeconds));
  }
  return [...totals].map(([tenant, usage]) => ({ tenant, usage }));
}
