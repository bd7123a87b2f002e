// Amortisation of reserved capacity: even daily spread with the remainder carried, exact over the whole term.
import assert from 'node:assert/strict';
import {
  amortisationSchedule,
  amortisedIn,
  termDays,
  type Reservation,
} from '../../../controllers/billing/domain/amortisation.ts';
import type { Currency } from '../../../controllers/billing/domain/money.ts';
import { monthPeriod, type Interval } from '../../../controllers/billing/domain/period.ts';
import { assertDec, d, utc } from './assert-decimal.ts';
import { Random } from './prng.ts';

const reservation = (
  amount: string,
  start: string,
  end: string,
  currency: Currency = 'USD',
): Reservation => ({
  id: 'ri-1',
  amount: d(amount),
  currency,
  term: { start: utc(start), end: utc(end) },
});

describe('unit: billing amortisation', () => {
  it('spreads 100.00 USD over 30 days as 3.33, 3.33, 3.34, … summing to 100.00', () => {
    const schedule = amortisationSchedule(reservation('100.00', '2024-04-01', '2024-05-01'));
    assert.equal(schedule.length, 30);
    assert.deepEqual(
      schedule.slice(0, 6).map((x) => x.amount.toString()),
      ['3.33', '3.33', '3.34', '3.33', '3.33', '3.34'],
    );
    assert.equal(schedule[29]!.day.toISOString(), '2024-04-30T00:00:00.000Z');
    assertDec(
      schedule.reduce((s, x) => s.plus(x.amount), d(0)),
      '100.00',
    );
  });

  it('spreads 100 JPY over 3 days as 33, 33, 34', () => {
    const schedule = amortisationSchedule(reservation('100', '2024-04-01', '2024-04-04', 'JPY'));
    assert.deepEqual(
      schedule.map((x) => x.amount.toString()),
      ['33', '33', '34'],
    );
  });

  it('recognises a whole in-month term in that month, and nothing outside the term', () => {
    const r = reservation('100.00', '2024-04-01', '2024-05-01');
    assertDec(amortisedIn(r, monthPeriod(2024, 4)), '100.00');
    assertDec(amortisedIn(r, monthPeriod(2024, 3)), 0);
    assertDec(amortisedIn(r, monthPeriod(2024, 5)), 0);
  });

  it('recognises the first 10 of 30 days as floor(10000 × 10 / 30) cents = 33.33', () => {
    assertDec(
      amortisedIn(reservation('100.00', '2024-04-01', '2024-05-01'), {
        start: utc('2024-03-01'),
        end: utc('2024-04-11'),
      }),
      '33.33',
    );
  });

  it('assigns a day to the period holding its 00:00 UTC', () => {
    // [Apr 1 12:00, Apr 3 12:00) holds the starts of Apr 2 and Apr 3: cum(3) − cum(1) = 1000 − 333 cents.
    const period: Interval = { start: utc('2024-04-01T12:00:00'), end: utc('2024-04-03T12:00:00') };
    assertDec(amortisedIn(reservation('100.00', '2024-04-01', '2024-05-01'), period), '6.67');
  });

  it('spreads a one-year term over 13 months, summing to the purchase exactly', () => {
    const r = reservation('1000.00', '2024-03-15', '2025-03-15');
    assert.equal(termDays(r), 365);
    const months = Array.from({ length: 13 }, (_, i) =>
      monthPeriod(2024 + Math.floor((2 + i) / 12), ((2 + i) % 12) + 1),
    );
    const parts = months.map((m) => amortisedIn(r, m));
    assertDec(parts[0], '46.57'); // 17 days of March: floor(100000 × 17 / 365) cents
    assertDec(
      parts.reduce((s, x) => s.plus(x), d(0)),
      '1000.00',
    );
  });

  it('mirrors a negative purchase (a refund)', () => {
    const schedule = amortisationSchedule(reservation('-100.00', '2024-04-01', '2024-05-01'));
    assert.deepEqual(
      schedule.slice(0, 3).map((x) => x.amount.toString()),
      ['-3.33', '-3.33', '-3.34'],
    );
    assertDec(
      schedule.reduce((s, x) => s.plus(x.amount), d(0)),
      '-100.00',
    );
  });

  it('refuses terms that are not whole UTC days, empty terms and amounts finer than the currency', () => {
    assert.throws(() => termDays(reservation('1', '2024-04-01T01:00:00', '2024-05-01')), /00:00 UTC/);
    assert.throws(() => termDays(reservation('1', '2024-04-01', '2024-04-01')), /is empty/);
    assert.throws(
      () => amortisedIn(reservation('1.005', '2024-04-01', '2024-05-01'), monthPeriod(2024, 4)),
      /round it first/,
    );
  });

  it('sums to the purchase exactly over every day and over any partition, for 300 seeded reservations', () => {
    const rnd = new Random(365);
    for (let run = 0; run < 300; run++) {
      const currency = rnd.pick(['USD', 'JPY', 'KWD'] as const);
      const dp = { USD: 2, JPY: 0, KWD: 3 }[currency];
      const amount = `${rnd.chance(0.1) ? '-' : ''}${rnd.digits(rnd.int(1, 12))}${dp ? `.${rnd.digits(dp)}` : ''}`;
      const start = Date.UTC(2023, 0, 1) + rnd.int(0, 1000) * 86_400_000;
      const days = rnd.int(1, 1100);
      const r: Reservation = {
        id: `r${run}`,
        amount: d(amount),
        currency,
        term: { start: new Date(start), end: new Date(start + days * 86_400_000) },
      };
      const context = `run ${run}: ${amount} ${currency} over ${days} days`;

      const schedule = amortisationSchedule(r);
      assert.equal(schedule.length, days, context);
      assertDec(
        schedule.reduce((s, x) => s.plus(x.amount), d(0)),
        amount,
        `${context}: days`,
      );
      const each = d(amount).dividedBy(days);
      for (const x of schedule)
        assert.ok(x.amount.minus(each).abs().lessThan(d(10).pow(-dp)), `${context}: day off by ≥ 1 unit`);

      // A random partition of time (with cuts anywhere, not only at midnight) around the term.
      const cuts = [
        start - 86_400_000 * 40,
        ...Array.from({ length: rnd.int(0, 20) }, () => start + rnd.int(0, days * 86_400_000)),
        start + days * 86_400_000 + 1,
      ].sort((a, b) => a - b);
      let total = d(0);
      for (let i = 1; i < cuts.length; i++)
        total = total.plus(amortisedIn(r, { start: new Date(cuts[i - 1]!), end: new Date(cuts[i]!) }));
      assertDec(total, amount, `${context}: partition`);
    }
  });
});
