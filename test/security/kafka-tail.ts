// The messages a test's objects put on the stack's Kafka topics: where each partition ended when the tail was
// marked, and everything written after that, read back by a consumer of its own group.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { endpoints } from '../../hack/stack/endpoints.ts';

export interface Message {
  topic: string;
  key: string;
  value: string;
}

export class KafkaTail {
  private readonly kafka = new Kafka({
    clientId: `sec-tail-${randomUUID().slice(0, 8)}`,
    brokers: endpoints().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  private marks = new Map<string, Map<number, bigint>>();

  constructor(private readonly topics: string[]) {}

  /** Remembers where each partition of each topic ends now. */
  async mark(): Promise<void> {
    this.marks = await this.ends();
  }

  /** The messages written since mark() whose key is one of `keys`, reading until every partition's end now. */
  async since(keys: readonly string[]): Promise<Message[]> {
    const ends = await this.ends();
    const out: Message[] = [];
    const left = new Set<string>();
    for (const [topic, parts] of ends)
      for (const [partition, end] of parts)
        if (end > (this.marks.get(topic)?.get(partition) ?? 0n)) left.add(`${topic}/${partition}`);
    if (left.size === 0) return out;
    const consumer = this.kafka.consumer({ groupId: `sec-tail-${randomUUID()}` });
    await consumer.connect();
    try {
      for (const topic of this.topics) await consumer.subscribe({ topic, fromBeginning: false });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`Kafka: ${[...left].join(', ')} not read in 30 s`)),
          30_000,
        );
        void consumer
          .run({
            eachMessage: async ({ topic, partition, message }) => {
              const offset = BigInt(message.offset);
              if (offset < (this.marks.get(topic)?.get(partition) ?? 0n)) return;
              const key = String(message.key ?? '');
              if (keys.includes(key)) out.push({ topic, key, value: String(message.value ?? '') });
              if (offset + 1n >= (ends.get(topic)?.get(partition) ?? 0n))
                left.delete(`${topic}/${partition}`);
              if (left.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
        // Read from where each partition stood at mark(), not from the group's (new, empty) position.
        consumer.on(consumer.events.GROUP_JOIN, () => {
          for (const [topic, parts] of this.marks)
            for (const [partition, offset] of parts)
              consumer.seek({ topic, partition, offset: offset.toString() });
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return out;
  }

  private async ends(): Promise<Map<string, Map<number, bigint>>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const all = new Map<string, Map<number, bigint>>();
      for (const topic of this.topics) {
        const offsets = await admin.fetchTopicOffsets(topic);
        all.set(topic, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])));
      }
      return all;
    } finally {
      await admin.disconnect();
    }
  }
}
