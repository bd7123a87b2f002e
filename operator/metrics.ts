// The operator's Prometheus metrics, in one registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'omnicloud_operator_' });

export const reconcileTotal = new Counter({
  name: 'omnicloud_reconcile_total',
  help: 'Reconciles by controller and result (success, requeue, error class).',
  labelNames: ['controller', 'result'] as const,
  registers: [registry],
});
export const reconcileDuration = new Histogram({
  name: 'omnicloud_reconcile_duration_seconds',
  help: 'Time spent in one reconcile.',
  labelNames: ['controller'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});
export const queueDepth = new Gauge({
  name: 'omnicloud_workqueue_depth',
  help: 'Keys waiting in a controller queue.',
  labelNames: ['controller'] as const,
  registers: [registry],
});
export const queueLatency = new Histogram({
  name: 'omnicloud_workqueue_latency_seconds',
  help: 'Time a key waits in the queue before a worker takes it.',
  labelNames: ['controller'] as const,
  buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
  registers: [registry],
});
export const queueRetries = new Counter({
  name: 'omnicloud_workqueue_retries_total',
  help: 'Keys re-queued with backoff after an error.',
  labelNames: ['controller'] as const,
  registers: [registry],
});
export const leaderStatus = new Gauge({
  name: 'omnicloud_leader',
  help: '1 while this replica holds the leader lease.',
  labelNames: ['lease'] as const,
  registers: [registry],
});
export const reconcileOverdue = new Counter({
  name: 'omnicloud_reconcile_overdue_total',
  help: 'Reconciles still running past their deadline (their worker moved on).',
  labelNames: ['controller'] as const,
  registers: [registry],
});
