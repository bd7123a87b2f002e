// Metrics of the event pipeline.
import { Counter, Gauge } from 'prom-client';
import { registry } from '../../operator/metrics.ts';

export const outboxPending = new Gauge({
  name: 'omnicloud_outbox_pending',
  help: 'Events in the outbox not yet on Kafka',
  registers: [registry],
});
export const outboxPublished = new Counter({
  name: 'omnicloud_outbox_published_total',
  help: 'Events relayed to Kafka',
  registers: [registry],
});
export const auditAppended = new Counter({
  name: 'omnicloud_audit_appended_total',
  help: 'Events appended to the audit log',
  registers: [registry],
});
export const auditDuplicates = new Counter({
  name: 'omnicloud_audit_duplicates_total',
  help: 'Events received again and ignored by the audit log',
  registers: [registry],
});
