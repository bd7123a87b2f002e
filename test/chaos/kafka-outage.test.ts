// Kafka goes down while resources change: events wait in the outbox (nothing lost, nothing blocks the
// change), and once the broker is back every one of them reaches the audit log exactly once.
import assert from 'node:assert/strict';
import type { Consumer } from 'kafkajs';
import type pg from 'pg';
import { startAuditConsumer } from '../../controllers/audit/consumer.ts';
import { OutboxRelay } from '../../controllers/events/relay.ts';
import { ensureTopics } from '../../controllers/events/topics.ts';
import { kafkaComponent } from '../../hack/stack/components/kafka.ts';
import { eventually, uniqueName } from '../support/kube.ts';
import { migratedPool } from '../support/databases.ts';
import { auditCounts, quietLog, testKafka, writeTransitions } from '../support/events.ts';

/** The relay, noting when each publish attempt that failed had started. */
class WatchedRelay extends OutboxRelay {
  readonly failedAttempts: number[] = [];
  override async publishBatch(): Promise<number> {
    const startedAt = Date.now();
    try {
      return await super.publishBatch();
    } catch (err) {
      this.failedAttempts.push(startedAt);
      throw err;
    }
  }
}

describe('chaos: Kafka outage', function () {
  this.timeout(240_000);
  let infra: pg.Pool;
  let audit: pg.Pool;
  let relay: WatchedRelay;
  let consumer: Consumer | undefined;
  const kafka = testKafka();

  before(async () => {
    infra = await migratedPool('infra_db');
    audit = await migratedPool('audit_db');
    await ensureTopics(kafka);
    relay = new WatchedRelay(kafka, infra, quietLog, { maxBackoffMs: 1_000 });
    relay.start();
  });
  after(async () => {
    await kafkaComponent.start(); // whatever happened, leave the broker running for the tests that follow
    await consumer?.disconnect();
    await relay?.stop();
    await Promise.all([infra?.end(), audit?.end()]);
  });

  it('keeps events in the outbox while the broker is down and delivers each once when it is back', async () => {
    await kafkaComponent.stop();
    assert.equal((await kafkaComponent.status()).answering, false, 'the broker is down');
    const ids = await writeTransitions(infra, 12, 'during-outage');
    const written = Date.now();
    relay.nudge();
    // Until an attempt that began after the events were all written (so it read them) has failed.
    await eventually('a publish attempt to fail', async () =>
      relay.failedAttempts.some((startedAt) => startedAt >= written) ? true : undefined,
    );
    const waiting = await infra.query(
      'SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[]) AND published_at IS NULL',
      [ids],
    );
    assert.equal(waiting.rows[0].n, 12, 'all 12 events wait in the outbox');

    await kafkaComponent.start();
    consumer = await startAuditConsumer(kafka, audit, quietLog, uniqueName('outage'));
    await eventually(
      'the 12 events audited',
      async () => ((await auditCounts(audit, ids)).size === 12 ? true : undefined),
      120_000,
    );
    const counts = await auditCounts(audit, ids);
    assert.ok(
      [...counts.values()].every((n) => n === 1),
      'each event once',
    );
  });
});
