// The local Kafka broker: a topic created by the admin client carries a message from producer to consumer,
// and a topic nobody created does not spring into being (auto-create is off).
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { uniqueName } from '../../support/kube.ts';

describe('Kafka', () => {
  const kafka = new Kafka({
    clientId: 'omnicloud-tests',
    brokers: endpoints().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });

  it('produces and consumes one message on a topic it created', async () => {
    const topic = uniqueName('it-topic');
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }),
        true,
      );
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({
        topic,
        messages: [{ key: 'resource-uid-1', value: JSON.stringify({ type: 'io.omnicloud.test' }) }],
      });
      await producer.disconnect();

      const consumer = kafka.consumer({ groupId: uniqueName('it-group') });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<{ key: string; value: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within 30s')), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve({ key: String(message.key), value: String(message.value) });
          },
        });
      });
      await consumer.disconnect();
      assert.equal(received.key, 'resource-uid-1');
      assert.deepEqual(JSON.parse(received.value), { type: 'io.omnicloud.test' });
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('does not create a topic on first use', async () => {
    const topic = uniqueName('it-missing');
    const producer = kafka.producer({ retry: { retries: 1 } });
    await producer.connect();
    try {
      await assert.rejects(producer.send({ topic, acks: -1, timeout: 3000, messages: [{ value: 'x' }] }));
    } finally {
      await producer.disconnect();
    }
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.ok(!(await admin.listTopics()).includes(topic), `${topic} was auto-created`);
    } finally {
      await admin.disconnect();
    }
  });
});
