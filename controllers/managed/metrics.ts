// Drift as a metric: the records each managed object shows now, summed by kind and severity.
import { Gauge } from 'prom-client';
import { registry } from '../../operator/metrics.ts';
import { driftSeverities, type DriftSeverity } from '../../crds/schemas/managed.ts';

const shown = new Map<string, { kind: string; counts: Record<DriftSeverity, number> }>();

new Gauge({
  name: 'omnicloud_drift_records',
  help: 'Drift records shown by managed objects now, by kind and severity.',
  labelNames: ['kind', 'severity'] as const,
  registers: [registry],
  collect() {
    this.reset();
    const sums = new Map<string, number>();
    for (const { kind, counts } of shown.values()) {
      for (const severity of driftSeverities) {
        const key = `${kind}\u0000${severity}`;
        sums.set(key, (sums.get(key) ?? 0) + counts[severity]);
      }
    }
    for (const [key, n] of sums) {
      const [kind, severity] = key.split('\u0000') as [string, string];
      this.set({ kind, severity }, n);
    }
  },
});

export function showDrift(kind: string, uid: string, counts: Record<DriftSeverity, number>): void {
  shown.set(uid, { kind, counts });
}

export function forgetDrift(uid: string): void {
  shown.delete(uid);
}
