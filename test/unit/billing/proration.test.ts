// Proration: segments cut at price changes and month boundaries into pieces with exact unit-seconds.
import assert from 'node:assert/strict';
import {
  AmbiguousPriceError,
  MissingPriceError,
  prorate,
  type PriceEntry,
} from '../../../controllers/billing/domain/proration.ts';
import { assertDec, d, utc } from './assert-decimal.ts';

const entry = (unitPricePerHour: string, from: string, to?: string): PriceEntry => ({
  resourceClass: 'vm',
  region: 'r1',
  currency: 'USD',
  unitPricePerHour: d(unitPricePerHour),
  effectiveFrom: utc(from),
  effectiveTo: to ? utc(to) : undefined,
});
const segment = (start: string, end: string, quantity = '1') => ({
  resourceClass: 'vm',
  region: 'r1',
  start: utc(start),
  end: utc(end),
  quantity: d(quantity),
  labels: { team: 'a' },
});

describe('unit: billing proration', () => {
  it('cuts a segment at a month boundary, each piece knowing its period', () => {
    const pieces = prorate(
      [segment('2024-03-31T12:00:00', '2024-04-01T06:00:00', '2')],
      [entry('1', '2024-01-01')],
      'USD',
    );
    assert.deepEqual(
      pieces.map((p) => [
        p.period.start.toISOString().slice(0, 7),
        p.seconds.toString(),
        p.unitHours.toString(),
      ]),
      [
        ['2024-03', '43200', '24'],
        ['2024-04', '21600', '12'],
      ],
    );
    assert.deepEqual(pieces[0]!.labels, { team: 'a' });
  });

  it('cuts at price changes, with effectiveFrom inclusive and effectiveTo exclusive', () => {
    const pieces = prorate(
      [segment('2024-04-10', '2024-04-20')],
      [
        entry('1', '2024-01-01', '2024-04-12'),
        entry('2', '2024-04-12', '2024-04-15'),
        entry('3', '2024-04-15'),
      ],
      'USD',
    );
    assert.deepEqual(
      pieces.map((p) => [
        p.start.toISOString().slice(0, 10),
        p.end.toISOString().slice(0, 10),
        p.unitPricePerHour.toString(),
      ]),
      [
        ['2024-04-10', '2024-04-12', '1'],
        ['2024-04-12', '2024-04-15', '2'],
        ['2024-04-15', '2024-04-20', '3'],
      ],
    );
  });

  it('keeps unit-seconds exact for fractional quantities and milliseconds', () => {
    const [piece] = prorate(
      [segment('2024-04-01T00:00:00.000', '2024-04-01T00:00:00.250', '0.5')],
      [entry('1', '2024-01-01')],
      'USD',
    );
    assertDec(piece!.unitSeconds, '0.125');
  });

  it('clips to the given interval and skips empty segments', () => {
    const within = { start: utc('2024-04-01'), end: utc('2024-05-01') };
    const pieces = prorate(
      [
        segment('2024-03-01', '2024-04-02'),
        segment('2024-04-05', '2024-04-05'),
        segment('2024-05-01', '2024-05-03'),
      ],
      [entry('1', '2024-01-01')],
      'USD',
      within,
    );
    assert.deepEqual(
      pieces.map((p) => p.seconds.toString()),
      ['86400'],
    );
  });

  it('reports the uncovered span when a price starts after usage does', () => {
    assert.throws(
      () => prorate([segment('2024-04-01', '2024-04-10')], [entry('1', '2024-04-05')], 'USD'),
      (e: unknown) =>
        e instanceof MissingPriceError &&
        e.at.toISOString() === '2024-04-01T00:00:00.000Z' &&
        e.until.toISOString() === '2024-04-05T00:00:00.000Z',
    );
  });

  it('refuses overlapping catalogue entries as ambiguous', () => {
    assert.throws(
      () =>
        prorate(
          [segment('2024-04-01', '2024-04-10')],
          [entry('1', '2024-01-01'), entry('2', '2024-04-05')],
          'USD',
        ),
      AmbiguousPriceError,
    );
  });

  it('refuses negative quantities, negative prices and prices that end before they start', () => {
    assert.throws(
      () => prorate([segment('2024-04-01', '2024-04-02', '-1')], [entry('1', '2024-01-01')], 'USD'),
      /negative/,
    );
    assert.throws(() => prorate([], [entry('-1', '2024-01-01')], 'USD'), /negative/);
    assert.throws(
      () => prorate([], [entry('1', '2024-04-02', '2024-04-01')], 'USD'),
      /ends before it starts/,
    );
  });
});
