// Tamper-evidence: someone with the rights to switch the append-only trigger off and rewrite a past audit row
// is caught by the chain check, at the row they changed. Done inside a transaction that is rolled back.
import assert from 'node:assert/strict';
import type pg from 'pg';
import { verifyChain } from '../../controllers/audit/store.ts';
import { eventually } from '../support/kube.ts';
import { migratedPool } from '../support/databases.ts';
import { auditCounts, quietLog, testKafka, writeTransitions } from '../support/events.ts';
import { OutboxRelay } from '../../controllers/events/relay.ts';
import { startAuditConsumer } from '../../controllers/audit/consumer.ts';
import { ensureTopics } from '../../controllers/events/topics.ts';
import { uniqueName } from '../support/kube.ts';

describe('security: the audit log is tamper-evident', function () {
  this.timeout(60_000);
  let audit: pg.Pool;

  before(async () => {
    audit = await migratedPool('audit_db');
    const infra = await migratedPool('infra_db');
    const kafka = testKafka();
    await ensureTopics(kafka);
    const relay = new OutboxRelay(kafka, infra, quietLog);
    relay.start();
    const consumer = await startAuditConsumer(kafka, audit, quietLog, uniqueName('tamper'));
    try {
      const ids = await writeTransitions(infra, 3, 'tamper-probe');
      await eventually('events audited', async () =>
        (await auditCounts(audit, ids)).size === 3 ? true : undefined,
      );
    } finally {
      await consumer.disconnect();
      await relay.stop();
      await infra.end();
    }
  });
  after(() => audit?.end());

  for (const [what, change] of [
    [
      'an edited event',
      "UPDATE audit_log SET event = jsonb_set(event, '{data,to}', '\"Forged\"') WHERE seq = $1",
    ],
    [
      'a recomputed hash on an edited event',
      "UPDATE audit_log SET event = jsonb_set(event, '{tenant}', '\"other\"'), hash = repeat('a', 64) WHERE seq = $1",
    ],
    ['a deleted entry', 'DELETE FROM audit_log WHERE seq = $1'],
  ] as const) {
    it(`finds ${what}, at that entry`, async () => {
      const client = await audit.connect();
      try {
        await client.query('BEGIN');
        const before = await verifyChain(client);
        assert.equal(before.ok, true);
        const { rows } = await client.query<{ seq: string }>('SELECT max(seq) - 1 AS seq FROM audit_log');
        const seq = Number(rows[0]!.seq);
        await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
        await client.query(change, [seq]);
        const after = await verifyChain(client);
        assert.equal(after.ok, false);
        assert.ok(!after.ok && (after.brokenAt === seq || after.brokenAt === seq + 1), JSON.stringify(after));
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
      assert.equal((await verifyChain(audit)).ok, true, 'the rollback restored the log');
    });
  }
});
