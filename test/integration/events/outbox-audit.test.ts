// The event path on the real broker and databases: outbox rows reach Kafka through the relay, keyed by
// resource UID, and land in the hash-chained audit log once each, even when Kafka delivers them twice.
import assert from 'node:assert/strict';
import type { Consumer } from 'kafkajs';
import type pg from 'pg';
import { startAuditConsumer } from '../../../controllers/audit/consumer.ts';
import { verifyChain } from '../../../controllers/audit/store.ts';
import { topics } from '../../../controllers/events/cloudevent.ts';
import { OutboxRelay } from '../../../controllers/events/relay.ts';
import { ensureTopics } from '../../../controllers/events/topics.ts';
import { eventually, uniqueName } from '../../support/kube.ts';
import { migratedPool } from '../../support/databases.ts';
import { auditCounts, quietLog, testKafka, writeTransitions } from '../../support/events.ts';

describe('integration: outbox, Kafka and the audit log', function () {
  this.timeout(90_000);
  let infra: pg.Pool;
  let audit: pg.Pool;
  const kafka = testKafka();
  let relay: OutboxRelay;
  let consumer: Consumer;

  before(async () => {
    infra = await migratedPool('infra_db');
    audit = await migratedPool('audit_db');
    await ensureTopics(kafka);
    relay = new OutboxRelay(kafka, infra, quietLog);
    relay.start();
    consumer = await startAuditConsumer(kafka, audit, quietLog, uniqueName('audit-test'));
  });
  after(async () => {
    await consumer?.disconnect();
    await relay?.stop();
    await Promise.all([infra?.end(), audit?.end()]);
  });

  it('creates the topics itself (the broker does not auto-create)', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const present = await admin.listTopics();
      for (const t of Object.values(topics)) assert.ok(present.includes(t), t);
    } finally {
      await admin.disconnect();
    }
  });

  it('relays every outbox row in order, keyed by resource UID, and audits each once', async () => {
    const ids = await writeTransitions(infra, 25);
    relay.nudge();
    await eventually(
      'all 25 events in the audit log',
      async () => ((await auditCounts(audit, ids)).size === 25 ? true : undefined),
      60_000,
    );
    const counts = await auditCounts(audit, ids);
    assert.ok([...counts.values()].every((n) => n === 1));
    const { rows } = await audit.query<{ to: string }>(
      "SELECT event->'data'->>'to' AS to FROM audit_log WHERE event_id = ANY($1::uuid[]) ORDER BY seq",
      [ids],
    );
    assert.deepEqual(
      rows.map((r) => r.to),
      Array.from({ length: 25 }, (_, i) => `S${i}`),
      'one resource, one partition, in order',
    );
    const pending = await infra.query(
      'SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[]) AND published_at IS NULL',
      [ids],
    );
    assert.equal(pending.rows[0].n, 0);
  });

  it('ignores a redelivered event: the log keeps one copy', async () => {
    const [id] = await writeTransitions(infra, 1, 'redelivered');
    relay.nudge();
    await eventually('the event audited', async () =>
      (await auditCounts(audit, [id!])).get(id!) === 1 ? true : undefined,
    );
    const { rows } = await infra.query<{ key: string; event: unknown }>(
      'SELECT key, event FROM outbox WHERE id = $1',
      [id],
    );
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.compute,
      messages: [0, 1, 2].map(() => ({ key: rows[0]!.key, value: JSON.stringify(rows[0]!.event) })),
    });
    await producer.disconnect();
    const sentinel = await writeTransitions(infra, 1, 'after-redelivery');
    relay.nudge();
    await eventually('the next event audited', async () =>
      (await auditCounts(audit, sentinel)).size === 1 ? true : undefined,
    );
    assert.equal((await auditCounts(audit, [id!])).get(id!), 1);
  });

  it('the chain verifies, and the log refuses updates and deletes', async () => {
    const verdict = await verifyChain(audit);
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    assert.ok(verdict.entries >= 27);
    await assert.rejects(
      audit.query("UPDATE audit_log SET event = '{}' WHERE seq = 1"),
      /append-only: UPDATE refused/,
    );
    await assert.rejects(audit.query('DELETE FROM audit_log WHERE seq = 1'), /append-only: DELETE refused/);
    await assert.rejects(audit.query('TRUNCATE audit_log'), /append-only: TRUNCATE refused/);
  });
});
