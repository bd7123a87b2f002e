// The event pipeline's parts for tests: a Kafka client on the stack's broker, outbox writes, audit reads.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import pino from 'pino';
import { withTransaction } from '../../controllers/compute/store.ts';
import { kafkaClient } from '../../controllers/events/pipeline.ts';
import { recordTransition } from '../../controllers/events/outbox.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';

export const quietLog = pino({ level: 'silent' });

export function testKafka(clientId = `test-${randomUUID().slice(0, 8)}`) {
  return kafkaClient(endpoints().kafkaBrokers, clientId, quietLog);
}

/** Writes `n` Compute transitions to the outbox, each in its own transaction; returns their event ids. */
export async function writeTransitions(pool: pg.Pool, n: number, name = 'probe'): Promise<string[]> {
  const ids: string[] = [];
  const uid = randomUUID();
  for (let i = 0; i < n; i++) {
    const event = await withTransaction(pool, (c) =>
      recordTransition(
        c,
        {
          kind: 'Compute',
          uid,
          namespace: 'tenant-probe',
          name,
          tenant: 'probe',
          from: i ? `S${i - 1}` : null,
          to: `S${i}`,
        },
        new Date(),
      ),
    );
    ids.push(event.id);
  }
  return ids;
}

/** How many times each id appears in the audit log. */
export async function auditCounts(pool: pg.Pool, ids: string[]): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ event_id: string; n: string }>(
    'SELECT event_id, count(*) AS n FROM audit_log WHERE event_id = ANY($1::uuid[]) GROUP BY event_id',
    [ids],
  );
  return new Map(rows.map((r) => [r.event_id, Number(r.n)]));
}
