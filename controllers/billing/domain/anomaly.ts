// Daily cost anomalies: a day is flagged when its cost lies strictly more than 2 standard deviations from
// the mean of the trailing window, all in Decimal.
//
// Defaults and why: the window is the 14 calendar days before the day (two weeks, so each weekday appears
// twice); days missing from the input are unknown, not zero, and are left out. A verdict needs at least 7
// costs in the window, fewer and the spread means nothing. The deviation is the population standard
// deviation of the window's costs. Flagged days stay in later windows: a lasting new level stops being
// flagged once the window has absorbed it. With a flat history (deviation 0) any change is flagged.
//
// The verdict itself is exact: the mean of a window can be a non-terminating fraction (56/3) and σ an
// irrational square root, which 40 decimal digits only approximate, so a cost exactly 2σ away could land on
// either side. The comparison is made on squared deviations over integers instead (see beyondThreshold).
import type { Decimal } from 'decimal.js';
import { Dec, toDec } from './money.ts';
import { msPerDay } from './period.ts';

export interface AnomalyOptions {
  windowDays?: number;
  minHistory?: number;
  threshold?: Decimal;
}

export type Verdict = 'anomaly' | 'normal' | 'insufficient-history';

export interface DayVerdict {
  day: string;
  cost: Decimal;
  verdict: Verdict;
  /** Present when there was enough history. */
  mean?: Decimal;
  stddev?: Decimal;
  historyDays: number;
}

export const defaultWindowDays = 14;
export const defaultMinHistory = 7;
export const defaultThreshold = new Dec(2);

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** 'YYYY-MM-DD' → ms at 00:00 UTC; refuses anything that is not a real calendar day. */
function dayToMs(day: string): number {
  const t = Date.parse(`${day}T00:00:00Z`);
  if (!dayPattern.test(day) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day) {
    throw new RangeError(`not a UTC calendar day (YYYY-MM-DD): ${JSON.stringify(day)}`);
  }
  return t;
}

/** Mean and population standard deviation, exactly up to Dec's 40 digits. */
export function meanAndStddev(values: Decimal[]): { mean: Decimal; stddev: Decimal } {
  if (values.length === 0) throw new RangeError('no values');
  const n = new Dec(values.length);
  const mean = values.reduce((s, v) => s.plus(v), new Dec(0)).dividedBy(n);
  const variance = values.reduce((s, v) => s.plus(toDec(v).minus(mean).pow(2)), new Dec(0)).dividedBy(n);
  return { mean, stddev: variance.sqrt() };
}

/** The decimal as an integer count of 10^-scale; exact, since scale is at least its number of decimals. */
function scaledInteger(value: Decimal, scale: number): bigint {
  return BigInt(value.toFixed(scale).replace('.', ''));
}

/**
 * |cost − mean| > threshold × σ (population σ of `history`), decided exactly. With every value scaled to an
 * integer by the same 10^s (costs Vᵢ, the cost X, the threshold K), n values, S = ΣVᵢ and Q = ΣVᵢ²:
 * cost − mean = (nX − S) / (n·10^s) and σ² = (nQ − S²) / (n²·10^2s), so for K ≥ 0 the rule is
 * (nX − S)² · 10^2s > K² · (nQ − S²), all in BigInt.
 */
export function beyondThreshold(cost: Decimal, history: Decimal[], threshold: Decimal): boolean {
  if (history.length === 0) throw new RangeError('no values');
  const scale = Math.max(...[cost, threshold, ...history].map((v) => v.decimalPlaces()));
  const values = history.map((v) => scaledInteger(v, scale));
  const n = BigInt(values.length);
  const sum = values.reduce((a, b) => a + b, 0n);
  const squares = values.reduce((a, b) => a + b * b, 0n);
  const deviation = n * scaledInteger(cost, scale) - sum;
  const k = scaledInteger(threshold, scale);
  return deviation * deviation * 10n ** BigInt(2 * scale) > k * k * (n * squares - sum * sum);
}

/** A verdict for every day in the input, in date order. */
export function detectAnomalies(daily: Map<string, Decimal>, options: AnomalyOptions = {}): DayVerdict[] {
  const windowDays = options.windowDays ?? defaultWindowDays;
  const minHistory = options.minHistory ?? defaultMinHistory;
  const threshold = toDec(options.threshold ?? defaultThreshold, 'threshold');
  if (threshold.isNegative()) throw new RangeError('threshold must not be negative');
  if (!Number.isInteger(windowDays) || windowDays < 1)
    throw new RangeError('windowDays must be a positive integer');
  if (!Number.isInteger(minHistory) || minHistory < 1 || minHistory > windowDays) {
    throw new RangeError('minHistory must be an integer in 1..windowDays');
  }
  const costs = new Map<number, Decimal>();
  for (const [day, cost] of daily) costs.set(dayToMs(day), toDec(cost, `cost of ${day}`));
  const days = [...costs.keys()].sort((a, b) => a - b);

  return days.map((t) => {
    const cost = costs.get(t)!;
    const day = new Date(t).toISOString().slice(0, 10);
    const history: Decimal[] = [];
    for (let back = 1; back <= windowDays; back++) {
      const prior = costs.get(t - back * msPerDay);
      if (prior !== undefined) history.push(prior);
    }
    if (history.length < minHistory) {
      return { day, cost, verdict: 'insufficient-history' as const, historyDays: history.length };
    }
    const { mean, stddev } = meanAndStddev(history);
    const anomalous = beyondThreshold(cost, history, threshold);
    return {
      day,
      cost,
      verdict: anomalous ? 'anomaly' : 'normal',
      mean,
      stddev,
      historyDays: history.length,
    };
  });
}
