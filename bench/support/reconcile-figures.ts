// One controller's reconciles over a phase, from a delta of the operator's metrics (prometheus.ts): how many,
// what one cost, and how long keys waited in the queue, so a slow phase can be told apart as work or waiting.
import { bucketQuantile } from './prometheus.ts';
import { round } from './stats.ts';

export interface ReconcileFigures {
  reconciles: number;
  per_s: number;
  mean_ms: number;
  /** Upper bounds of the histogram buckets the quantiles fall in; null past the largest bucket. */
  p50_p99_s: (number | null)[];
  queue_wait_mean_ms: number;
  queue_wait_p50_p99_s: (number | null)[];
}

/** The figures of `metrics` (a delta already narrowed to one controller) over `ms`. */
export function reconcileFigures(metrics: Map<string, number>, ms: number): ReconcileFigures {
  const sum = (name: string) =>
    [...metrics].filter(([s]) => s.startsWith(name)).reduce((a, [, v]) => a + v, 0);
  const mean = (name: string) => round((sum(`${name}_sum`) / Math.max(1, sum(`${name}_count`))) * 1000, 1);
  // The +Inf bucket reads as NaN: the quantile lies past the largest bucket.
  const quantiles = (name: string) =>
    [0.5, 0.99].map((q) => bucketQuantile(metrics, name, q)).map((le) => (Number.isNaN(le) ? null : le));
  const reconciles = sum('omnicloud_reconcile_total');
  return {
    reconciles,
    per_s: round(reconciles / (ms / 1000), 1),
    mean_ms: mean('omnicloud_reconcile_duration_seconds'),
    p50_p99_s: quantiles('omnicloud_reconcile_duration_seconds'),
    queue_wait_mean_ms: mean('omnicloud_workqueue_latency_seconds'),
    queue_wait_p50_p99_s: quantiles('omnicloud_workqueue_latency_seconds'),
  };
}
