// Metering from the real broker into billing_db: each event once by id, duplicates and replays change
// nothing, and a late event lands where it belongs in time.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import type pg from 'pg';
import { startMeteringConsumer } from '../../../controllers/billing/metering.ts';
import { usageSegments } from '../../../controllers/billing/usage.ts';
import { topics, transitionEvent } from '../../../controllers/events/cloudevent.ts';
import { ensureTopics } from '../../../controllers/events/topics.ts';
import { eventsAround } from '../../../controllers/invoice/store.ts';
import { eventually, uniqueName } from '../../support/kube.ts';
import { migratedPool } from '../../support/databases.ts';
import { quietLog, testKafka } from '../../support/events.ts';

describe('integration: metering consumer', function () {
  this.timeout(60_000);
  const kafka = testKafka();
  let billing: pg.Pool;
  let consumer: Consumer;
  const tenant = uniqueName('meter');
  const uid = randomUUID();

  const event = (to: string, at: string) =>
    transitionEvent(
      {
        kind: 'Compute',
        uid,
        namespace: `tenant-${tenant}`,
        name: 'vm',
        tenant,
        from: null,
        to,
        details: { region: 'eu-west-1', vcpu: 2, memoryMiB: 4096 },
      },
      new Date(at),
    );
  const send = async (events: object[]) => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.compute,
      messages: events.map((e) => ({ key: uid, value: JSON.stringify(e) })),
    });
    await producer.disconnect();
  };
  const count = async () =>
    (
      await billing.query<{ n: number }>('SELECT count(*)::int AS n FROM metered_events WHERE tenant = $1', [
        tenant,
      ])
    ).rows[0]!.n;

  before(async () => {
    billing = await migratedPool('billing_db');
    await ensureTopics(kafka);
    consumer = await startMeteringConsumer(kafka, billing, quietLog, uniqueName('metering-test'));
  });
  after(async () => {
    await consumer?.disconnect();
    await billing.query('DELETE FROM metered_events WHERE tenant = $1', [tenant]);
    await billing?.end();
  });

  it('records each event once, however often Kafka delivers it', async () => {
    const running = event('Running', '2026-10-05T10:00:00.000Z');
    const stopped = event('Stopped', '2026-10-05T14:00:00.000Z');
    await send([running, stopped, running, stopped, running]);
    await eventually('two events metered', async () => ((await count()) === 2 ? true : undefined));
    await send([stopped]);
    const marker = event('Terminated', '2026-10-20T00:00:00.000Z');
    await send([marker]);
    await eventually('the marker metered', async () => ((await count()) === 3 ? true : undefined));
    assert.equal(await count(), 3, 'the replayed Stopped changed nothing');
  });

  it('places a late event by when it happened, not when it arrived', async () => {
    // Arrives last, happened between the others: the instance also ran 16:00-18:00 on the 5th.
    await send([event('Running', '2026-10-05T16:00:00.000Z'), event('Stopping', '2026-10-05T18:00:00.000Z')]);
    await eventually('late events metered', async () => ((await count()) === 5 ? true : undefined));
    const start = new Date('2026-10-01T00:00:00Z');
    const end = new Date('2026-11-01T00:00:00Z');
    const segs = usageSegments(await eventsAround(billing, tenant, start, end), start, end);
    assert.deepEqual(
      segs.map((s) => [s.resourceClass, s.start.toISOString(), s.end.toISOString()]),
      [
        ['medium', '2026-10-05T10:00:00.000Z', '2026-10-05T14:00:00.000Z'],
        ['medium', '2026-10-05T16:00:00.000Z', '2026-10-05T18:00:00.000Z'],
      ],
    );
  });
});
