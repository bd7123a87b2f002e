// The audit consumer: reads every event topic and appends each event to the audit log. Offsets are committed
// only after the batch is in audit_db, so a crash re-reads and the log's dedup by event id absorbs it.
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { topics } from '../events/cloudevent.ts';
import { auditAppended, auditDuplicates } from '../events/metrics.ts';
import { appendEvents, type AuditEvent } from './store.ts';

export const auditGroup = 'omnicloud-audit';

export async function startAuditConsumer(
  kafka: Kafka,
  pool: Pool,
  log: Logger,
  groupId = auditGroup,
): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    // A member that died (SIGKILL) is noticed in 10 s rather than 30 s, so its partitions move on sooner.
    sessionTimeout: 10_000,
    heartbeatInterval: 3_000,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: Object.values(topics), fromBeginning: true });
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommit: true,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
      const events: AuditEvent[] = [];
      for (const message of batch.messages) {
        try {
          const event = JSON.parse(message.value?.toString() ?? '') as AuditEvent;
          if (typeof event.id !== 'string') throw new Error('no id');
          events.push(event);
        } catch (err) {
          // A message that is not an event cannot be audited; say so and move on rather than block the topic.
          log.error(
            { topic: batch.topic, offset: message.offset, err: (err as Error).message },
            'unreadable event skipped by the audit log',
          );
        }
      }
      const appended = await appendEvents(pool, events);
      auditAppended.inc(appended);
      auditDuplicates.inc(events.length - appended);
      const last = batch.messages[batch.messages.length - 1];
      if (last) resolveOffset(last.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  return consumer;
}
