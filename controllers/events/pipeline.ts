// The event pipeline of one operator: topics, the outbox relay, the audit and metering consumers. None of it blocks the
// operator's start: when Kafka is down, events wait in the outbox and the pieces connect when it is back.
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { startAuditConsumer } from '../audit/consumer.ts';
import { startMeteringConsumer } from '../billing/metering.ts';
import { OutboxRelay } from './relay.ts';
import { ensureTopics } from './topics.ts';

export interface EventPipeline {
  nudge(): void;
  close(): Promise<void>;
}

export function kafkaClient(brokers: string[], clientId: string, log: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 3_000 },
    logLevel: logLevel.NOTHING,
    logCreator: () => (entry) => log.debug({ kafka: entry.namespace }, entry.log.message),
  });
}

export function startEventPipeline(
  kafka: Kafka,
  infraPool: Pool,
  auditPool: Pool,
  billingPool: Pool,
  log: Logger,
): EventPipeline {
  const relay = new OutboxRelay(kafka, infraPool, log.child({ component: 'outbox-relay' }));
  const consumers: Consumer[] = [];
  let closed = false;
  const connect = async () => {
    for (let attempt = 1; !closed; attempt++) {
      try {
        const created = await ensureTopics(kafka);
        if (created.length > 0) log.info({ topics: created }, 'event topics created');
        relay.start();
        consumers.push(await startAuditConsumer(kafka, auditPool, log.child({ component: 'audit' })));
        consumers.push(await startMeteringConsumer(kafka, billingPool, log.child({ component: 'metering' })));
        return;
      } catch (err) {
        if (attempt === 1 || attempt % 10 === 0) {
          log.warn(
            { err: (err as Error).message, attempt },
            'Kafka not reachable; events wait in the outbox',
          );
        }
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
      }
    }
  };
  const connecting = connect();
  return {
    nudge: () => relay.nudge(),
    async close() {
      closed = true;
      await connecting.catch(() => undefined);
      await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
      await relay.stop();
    },
  };
}
