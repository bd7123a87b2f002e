// Figures a benchmark prints: percentiles of latencies and rates, rounded for reading.

/** The nearest-rank percentile `p` (0-100) of `values`; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** `count` things in `ms`, per second, to one decimal. */
export function perSecond(count: number, ms: number): number {
  return round((count / ms) * 1000, 1);
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Milliseconds as seconds, to the millisecond. */
export const seconds = (ms: number): number => round(ms / 1000, 3);

/** p50, p99 and the largest of `ms`, in seconds. */
export function spread(ms: readonly number[]): { p50: number; p99: number; max: number } {
  return {
    p50: seconds(percentile(ms, 50)),
    p99: seconds(percentile(ms, 99)),
    max: seconds(Math.max(...ms)),
  };
}
