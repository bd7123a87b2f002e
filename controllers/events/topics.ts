// Creates the event topics when they are missing; the broker runs with auto-create off on purpose, so a typo
// in a topic name fails loudly instead of creating a topic nobody reads.
import type { Kafka } from 'kafkajs';
import { topics } from './cloudevent.ts';

export async function ensureTopics(kafka: Kafka, partitions = 3): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = Object.values(topics).filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      });
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}
