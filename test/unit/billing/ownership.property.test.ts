// Usage split between successive owners, checked against an hour-by-hour oracle: random tenures (some of
// them empty, some overlapping, some leaving gaps) over a random segment. The oracle counts, for every hour
// of the segment, who owned it; it shares no code with the module.
import assert from 'node:assert/strict';
import {
  splitByOwnership,
  usageByOwner,
  type Ownership,
} from '../../../controllers/billing/domain/ownership.ts';
import type { UsageSegment } from '../../../controllers/billing/domain/proration.ts';
import { d } from './assert-decimal.ts';
import { Random } from './prng.ts';

const hour = 3_600_000;
const at = (h: number): Date => new Date(Date.UTC(2024, 3, 1) + h * hour);
const segment = (from: number, to: number): UsageSegment => ({
  resourceClass: 'small',
  region: 'eu-west-1',
  resourceId: 'vm-1',
  start: at(from),
  end: at(to),
  quantity: d(1),
});

interface Tenure {
  owner: string;
  start: number;
  end?: number;
}

/** Owners per hour in [from, to); undefined end is open. Hours are the unit: every bound is a whole hour. */
function ownersByHour(tenures: Tenure[], from: number, to: number): string[][] {
  const hours: string[][] = [];
  for (let h = from; h < to; h++) {
    hours.push(tenures.filter((t) => t.start <= h && (t.end === undefined || h < t.end)).map((t) => t.owner));
  }
  return hours;
}

/** Two tenures overlap when some hour (anywhere, not only in the segment) has both. */
function overlapping(tenures: Tenure[]): boolean {
  for (let i = 0; i < tenures.length; i++) {
    for (let j = i + 1; j < tenures.length; j++) {
      const [a, b] = [tenures[i]!, tenures[j]!];
      const start = Math.max(a.start, b.start);
      const end = Math.min(a.end ?? Infinity, b.end ?? Infinity);
      if (end > start) return true;
    }
  }
  return false;
}

const asOwnerships = (tenures: Tenure[]): Ownership[] =>
  tenures.map((t) => ({ owner: t.owner, start: at(t.start), end: t.end === undefined ? null : at(t.end) }));

describe('unit: usage split between owners', () => {
  it('refuses overlapping tenures even with an empty tenure between them (A [0h,10h), Z [3h,3h), B [5h,…))', () => {
    const tenures = [
      { owner: 'A', start: 0, end: 10 },
      { owner: 'Z', start: 3, end: 3 },
      { owner: 'B', start: 5 },
    ];
    assert.throws(() => splitByOwnership(segment(0, 20), asOwnerships(tenures)), /owners A and B overlap/);
  });

  it('refuses an overlap hidden behind a shorter tenure that starts in between', () => {
    const tenures = [
      { owner: 'A', start: 0, end: 10 },
      { owner: 'S', start: 2, end: 2 },
      { owner: 'T', start: 2, end: 2 },
      { owner: 'B', start: 8, end: 12 },
    ];
    assert.throws(() => splitByOwnership(segment(0, 12), asOwnerships(tenures)), /overlap/);
  });

  it('lets an empty tenure sit at a hand-over without owning anything', () => {
    const tenures = [
      { owner: 'A', start: 0, end: 5 },
      { owner: 'Z', start: 5, end: 5 },
      { owner: 'B', start: 5 },
    ];
    const usage = usageByOwner(splitByOwnership(segment(0, 20), asOwnerships(tenures)));
    assert.deepEqual(
      usage.map((u) => [u.tenant, u.usage.toString()]),
      [
        ['A', String(5 * 3600)],
        ['B', String(15 * 3600)],
      ],
    );
  });

  for (let seed = 1; seed <= 300; seed++) {
    it(`seed ${seed}: splits exactly as the hour-by-hour oracle, or refuses what it must`, () => {
      const rnd = new Random(seed);
      const from = rnd.int(0, 10);
      const to = from + rnd.int(0, 30);
      const tenures: Tenure[] = [];
      const count = rnd.int(0, 5);
      for (let i = 0; i < count; i++) {
        const start = rnd.int(0, 40);
        const length = rnd.pick([0, 0, 1, 3, 5, 10, 20]);
        tenures.push({ owner: `o${i}`, start, ...(rnd.chance(0.25) ? {} : { end: start + length }) });
      }
      const split = () => splitByOwnership(segment(from, to), asOwnerships(tenures));
      if (overlapping(tenures)) {
        assert.throws(split, /overlap/, JSON.stringify(tenures));
        return;
      }
      const hours = ownersByHour(tenures, from, to);
      if (hours.some((owners) => owners.length === 0)) {
        assert.throws(split, /has no owner/, JSON.stringify(tenures));
        return;
      }
      const expected = new Map<string, number>();
      for (const [owner] of hours) expected.set(owner!, (expected.get(owner!) ?? 0) + 3600);
      const actual = usageByOwner(split());
      assert.deepEqual(
        Object.fromEntries(actual.map((u) => [u.tenant, u.usage.toNumber()])),
        Object.fromEntries(expected),
        JSON.stringify({ from, to, tenures }),
      );
    });
  }
});
