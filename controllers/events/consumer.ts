// One way to consume the event topics: a consumer group that hands each batch of parsed events to a handler
// and commits the offsets only after the handler finished, so a crash re-reads the batch and the handler's
// own dedup by event id absorbs it. A message that is not an event is logged and skipped, never blocking.
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { topics, type CloudEvent } from './cloudevent.ts';

export async function consumeEvents<D>(
  kafka: Kafka,
  groupId: string,
  log: Logger,
  handle: (events: CloudEvent<D>[]) => Promise<void>,
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
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
      const events: CloudEvent<D>[] = [];
      for (const message of batch.messages) {
        try {
          const event = JSON.parse(message.value?.toString() ?? '') as CloudEvent<D>;
          if (typeof event?.id !== 'string') throw new Error('no event id');
          events.push(event);
        } catch (err) {
          log.error(
            { group: groupId, topic: batch.topic, offset: message.offset, err: (err as Error).message },
            'unreadable event skipped',
          );
        }
      }
      await handle(events);
      const last = batch.messages[batch.messages.length - 1];
      if (last) resolveOffset(last.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  return consumer;
}
