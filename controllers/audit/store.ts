// Appends events to audit_db's hash-chained log, once each: an event id already present is ignored, so
// redelivered Kafka messages change nothing. Appends are serialised by a transaction-scoped advisory lock.
import type { Pool, PoolClient } from 'pg';
import { chainHash, genesisHash, verifyEntries, type ChainEntry, type ChainVerdict } from './chain.ts';

const appendLock = 7_302_118; // an arbitrary constant naming "the audit chain head"

export interface AuditEvent {
  id: string;
  [key: string]: unknown;
}

/** Appends what is new; returns how many were appended (the rest were duplicates). */
export async function appendEvents(pool: Pool, events: readonly AuditEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [appendLock]);
    const ids = events.map((e) => e.id);
    const seen = await client.query<{ event_id: string }>(
      'SELECT event_id FROM audit_log WHERE event_id = ANY($1::uuid[])',
      [ids],
    );
    const known = new Set(seen.rows.map((r) => r.event_id));
    const head = await client.query<{ seq: string; hash: string }>(
      'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    let seq = head.rows[0] ? Number(head.rows[0].seq) : 0;
    let prev = head.rows[0]?.hash ?? genesisHash;
    let appended = 0;
    for (const event of events) {
      if (known.has(event.id)) continue;
      known.add(event.id);
      seq++;
      // Hash what jsonb will give back: a round trip through JSON drops undefined and normalises numbers.
      const stored = JSON.parse(JSON.stringify(event)) as unknown;
      const hash = chainHash(prev, seq, stored);
      await client.query(
        'INSERT INTO audit_log (seq, event_id, event, prev_hash, hash) VALUES ($1, $2, $3, $4, $5)',
        [seq, event.id, JSON.stringify(stored), prev, hash],
      );
      prev = hash;
      appended++;
    }
    await client.query('COMMIT');
    return appended;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Walks the whole log in pages and checks the chain. */
export async function verifyChain(pool: Pool | PoolClient, pageSize = 5000): Promise<ChainVerdict> {
  let start = { seq: 0, hash: genesisHash };
  let total = 0;
  for (;;) {
    const { rows } = await pool.query<{ seq: string; prev_hash: string; hash: string; event: unknown }>(
      'SELECT seq, prev_hash, hash, event FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
      [start.seq, pageSize],
    );
    const entries: ChainEntry[] = rows.map((r) => ({
      seq: Number(r.seq),
      prevHash: r.prev_hash,
      hash: r.hash,
      event: r.event,
    }));
    const verdict = verifyEntries(entries, start);
    if (!verdict.ok) return { ...verdict, entries: total + verdict.entries };
    total += verdict.entries;
    if (rows.length < pageSize) return { ok: true, entries: total, head: verdict.head };
    start = { seq: entries[entries.length - 1]!.seq, hash: verdict.head };
  }
}
