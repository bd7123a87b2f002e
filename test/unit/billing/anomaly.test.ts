// Daily cost anomalies: strictly beyond 2 standard deviations of a 14-day trailing window, with at least 7 prior days.
import assert from 'node:assert/strict';
import { detectAnomalies, meanAndStddev } from '../../../controllers/billing/domain/anomaly.ts';
import type { Decimal } from '../../../controllers/billing/domain/money.ts';
import { assertDec, d } from './assert-decimal.ts';

/** Consecutive days from 2024-04-01 with the given costs; null leaves a day out. */
function days(costs: (string | number | null)[], from = Date.UTC(2024, 3, 1)): Map<string, Decimal> {
  const map = new Map<string, Decimal>();
  costs.forEach((c, i) => {
    if (c !== null) map.set(new Date(from + i * 86_400_000).toISOString().slice(0, 10), d(c));
  });
  return map;
}

const alternating = Array.from({ length: 14 }, (_, i) => (i % 2 === 0 ? 8 : 12)); // mean 10, stddev 2
const verdictOfLast = (costs: (string | number | null)[]) => detectAnomalies(days(costs)).at(-1)!;

describe('unit: billing cost anomalies', () => {
  it('computes the mean and population standard deviation exactly', () => {
    const { mean, stddev } = meanAndStddev([2, 4, 4, 4, 5, 5, 7, 9].map((x) => d(x)));
    assertDec(mean, 5);
    assertDec(stddev, 2);
  });

  it('gives no verdict before 7 prior days, and one from the 8th day', () => {
    const verdicts = detectAnomalies(days([10, 10, 10, 10, 10, 10, 10, 10]));
    assert.deepEqual(
      verdicts.map((v) => v.verdict),
      [...Array(7).fill('insufficient-history'), 'normal'],
    );
    assert.equal(verdicts[6]!.historyDays, 6);
  });

  it('flags strictly more than 2 standard deviations: 14 and 6 are normal, 14.01 and 5.99 are not', () => {
    assert.equal(verdictOfLast([...alternating, 14]).verdict, 'normal');
    assert.equal(verdictOfLast([...alternating, 6]).verdict, 'normal');
    assert.equal(verdictOfLast([...alternating, '14.01']).verdict, 'anomaly');
    assert.equal(verdictOfLast([...alternating, '5.99']).verdict, 'anomaly');
    const v = verdictOfLast([...alternating, 14]);
    assertDec(v.mean, 10);
    assertDec(v.stddev, 2);
  });

  it('looks back 14 days only: an older spike does not widen the window', () => {
    const v = verdictOfLast([1000, ...alternating, '14.01']);
    assert.equal(v.historyDays, 14);
    assert.equal(v.verdict, 'anomaly');
  });

  it('leaves missing days out instead of counting them as zero', () => {
    const v = verdictOfLast([10, null, 10, null, 10, null, 10, null, 10, null, 10, null, 10, null, 10]);
    assert.equal(v.historyDays, 7);
    assertDec(v.mean, 10);
    assert.equal(v.verdict, 'normal');
  });

  it('gives no verdict when fewer than 7 costs fall in the window, however old the data', () => {
    const v = verdictOfLast([
      10,
      10,
      10,
      10,
      10,
      10,
      10,
      10,
      ...Array(10).fill(null),
      10,
      10,
      10,
      10,
      10,
      50,
    ]);
    assert.equal(v.verdict, 'insufficient-history');
  });

  it('flags any change after a flat history, and not a repeat of it', () => {
    assert.equal(verdictOfLast([...Array(10).fill('10.00'), '10.01']).verdict, 'anomaly');
    assert.equal(verdictOfLast([...Array(10).fill('10.00'), '10']).verdict, 'normal');
  });

  it('takes a custom window, minimum history and threshold', () => {
    const opts = { windowDays: 4, minHistory: 3, threshold: d(3) };
    const v = detectAnomalies(days([8, 12, 8, 12, 16]), opts).at(-1)!; // mean 10, stddev 2, |16 − 10| = 6 = 3σ
    assert.equal(v.verdict, 'normal');
    assert.throws(() => detectAnomalies(days([1]), { windowDays: 5, minHistory: 6 }), /minHistory/);
  });

  it('refuses keys that are not real UTC calendar days', () => {
    for (const bad of ['2024-02-30', '2024-4-1', '2024-04-01T00:00:00Z', 'yesterday']) {
      assert.throws(() => detectAnomalies(new Map([[bad, d(1)]])), /not a UTC calendar day/, bad);
    }
  });
});
