// Billing time: UTC calendar months as half-open intervals, exact overlaps, refusal of invalid dates.
import assert from 'node:assert/strict';
import {
  contains,
  durationSeconds,
  monthPeriod,
  overlapSeconds,
  periodContaining,
} from '../../../controllers/billing/domain/period.ts';
import { assertDec, utc } from './assert-decimal.ts';

describe('unit: billing periods', () => {
  it('makes a calendar month in UTC, including February of a leap year and December', () => {
    const feb = monthPeriod(2024, 2);
    assert.equal(feb.start.toISOString(), '2024-02-01T00:00:00.000Z');
    assert.equal(feb.end.toISOString(), '2024-03-01T00:00:00.000Z');
    assertDec(durationSeconds(feb), 29 * 86400);
    assert.equal(monthPeriod(2024, 12).end.toISOString(), '2025-01-01T00:00:00.000Z');
  });

  it('puts an instant exactly at a period’s end into the next period', () => {
    const april = monthPeriod(2024, 4);
    assert.equal(contains(april, april.end), false);
    assert.equal(contains(april, april.start), true);
    assert.deepEqual(periodContaining(utc('2024-05-01T00:00:00')), monthPeriod(2024, 5));
    assert.deepEqual(periodContaining(utc('2024-04-30T23:59:59.999')), april);
  });

  it('measures overlap exactly, to the millisecond, and touching intervals share nothing', () => {
    const april = monthPeriod(2024, 4);
    assertDec(overlapSeconds(april, monthPeriod(2024, 5)), 0);
    assertDec(
      overlapSeconds(april, { start: utc('2024-04-30T23:59:59.999'), end: utc('2024-05-02') }),
      '0.001',
    );
    assertDec(overlapSeconds({ start: utc('2024-03-31T12:00:00'), end: utc('2024-04-02') }, april), 86400);
  });

  it('refuses invalid dates, reversed intervals and impossible months', () => {
    assert.throws(() => periodContaining(new Date('not a date')), /invalid Date/);
    assert.throws(() => periodContaining('2024-04-01' as unknown as Date), /must be a Date/);
    assert.throws(
      () => overlapSeconds({ start: utc('2024-04-02'), end: utc('2024-04-01') }, monthPeriod(2024, 4)),
      /before it starts/,
    );
    assert.throws(() => monthPeriod(2024, 13), /bad month/);
    assert.throws(() => monthPeriod(2024.5, 1), /bad year/);
  });
});
