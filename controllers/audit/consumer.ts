// The audit consumer: appends every event of the event topics to the audit log, which keeps each event once.
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { consumeEvents } from '../events/consumer.ts';
import { auditAppended, auditDuplicates } from '../events/metrics.ts';
import { appendEvents, type AuditEvent } from './store.ts';

export const auditGroup = 'omnicloud-audit';

export function startAuditConsumer(
  kafka: Kafka,
  pool: Pool,
  log: Logger,
  groupId = auditGroup,
): Promise<Consumer> {
  return consumeEvents(kafka, groupId, log, async (events) => {
    const appended = await appendEvents(pool, events as unknown as AuditEvent[]);
    auditAppended.inc(appended);
    auditDuplicates.inc(events.length - appended);
  });
}
