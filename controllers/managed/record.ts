// The managed reconciler's record of each object in infra_db (managed_resources), its drift history, and the
// events that go with them. A change and its event are one transaction: the audit trail has an event if and
// only if the change was recorded.
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { DriftAction } from '../../crds/schemas/managed.ts';
import { topicFor, type CloudEvent, type Transition } from '../events/cloudevent.ts';
import { withTransaction } from '../db/transaction.ts';
import type { DriftRecord } from './drift/index.ts';

export interface AcceptedValue {
  path: string;
  actual: unknown;
}

export interface ManagedRecord {
  uid: string;
  kind: string;
  namespace: string;
  name: string;
  tenant: string;
  external_id: string | null;
  applied: unknown;
  accepted: AcceptedValue[];
  plan_hash: string | null;
  plan_records: DriftRecord[] | null;
  plan_desired: unknown;
  plan_operations: string[] | null;
  drift_fingerprint: string | null;
  observed_at: Date | null;
}

export interface Subject {
  uid: string;
  kind: Transition['kind'];
  namespace: string;
  name: string;
  tenant: string;
}

export async function readRecord(db: Pool | PoolClient, uid: string): Promise<ManagedRecord | undefined> {
  const { rows } = await db.query<ManagedRecord>('SELECT * FROM managed_resources WHERE uid = $1', [uid]);
  return rows[0];
}

/** Creates the record once (a second call changes nothing) and returns it, in one round trip. */
export async function ensureRecord(
  db: Pool | PoolClient,
  s: Subject,
  applied: unknown,
  externalId: string | null,
): Promise<ManagedRecord> {
  const { rows } = await db.query<ManagedRecord>(
    `WITH made AS (
       INSERT INTO managed_resources (uid, kind, namespace, name, tenant, external_id, applied)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (uid) DO NOTHING RETURNING *)
     SELECT * FROM made UNION ALL SELECT * FROM managed_resources WHERE uid = $1 LIMIT 1`,
    [s.uid, s.kind, s.namespace, s.name, s.tenant, externalId, JSON.stringify(applied)],
  );
  return rows[0]!;
}

export async function setApplied(db: Pool, uid: string, applied: unknown, accepted: AcceptedValue[]) {
  await db.query(
    'UPDATE managed_resources SET applied = $2, accepted = $3, updated_at = now() WHERE uid = $1',
    [uid, JSON.stringify(applied), JSON.stringify(accepted)],
  );
}

/** A drift event of a kind's topic, in the caller's transaction. */
export async function recordDriftEvent(
  client: PoolClient,
  s: Subject,
  type: string,
  data: Record<string, unknown>,
  now: Date,
): Promise<void> {
  const event: CloudEvent = {
    specversion: '1.0',
    id: randomUUID(),
    source: `/apis/omnicloud.io/v1alpha1/namespaces/${s.namespace}/${s.kind.toLowerCase()}s/${s.name}`,
    type: `io.omnicloud.${s.kind.toLowerCase()}.${type}`,
    subject: s.uid,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    tenant: s.tenant,
    data: { kind: s.kind, name: s.name, namespace: s.namespace, ...data },
  };
  await client.query('INSERT INTO outbox (id, topic, key, event) VALUES ($1, $2, $3, $4)', [
    event.id,
    topicFor(s.kind),
    s.uid,
    JSON.stringify(event),
  ]);
}

async function recordHistory(
  client: PoolClient,
  s: Subject,
  event: string,
  records: readonly (DriftRecord & { action?: DriftAction })[],
  now: Date,
  planHash: string | null,
  detail: string | null,
): Promise<number> {
  const rows = records.length > 0 ? records : [undefined];
  let last = 0;
  for (const r of rows) {
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO drift_history (uid, kind, namespace, name, tenant, event, path, drift_type, severity, desired,
         actual, action, plan_hash, detail, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
      [
        s.uid,
        s.kind,
        s.namespace,
        s.name,
        s.tenant,
        event,
        r?.path ?? null,
        r?.type ?? null,
        r?.severity ?? null,
        r && r.desired !== undefined ? JSON.stringify(r.desired) : null,
        r && r.actual !== undefined ? JSON.stringify(r.actual) : null,
        r?.action ?? null,
        planHash,
        detail,
        now,
      ],
    );
    last = Number(inserted.rows[0]!.id);
  }
  return last;
}

/** New drift seen: its records, history and event, and the fingerprint that says it was told. */
export async function recordDriftDetected(
  pool: Pool,
  s: Subject,
  records: readonly (DriftRecord & { action: DriftAction })[],
  fingerprint: string,
  now: Date,
): Promise<void> {
  await withTransaction(pool, async (c) => {
    await recordHistory(c, s, 'detected', records, now, null, null);
    await recordDriftEvent(c, s, 'drift-detected', { records: records.map(shown) }, now);
    await c.query(
      'UPDATE managed_resources SET drift_fingerprint = $2, observed_at = $3, updated_at = now() WHERE uid = $1',
      [s.uid, fingerprint, now],
    );
  });
}

/** Drift gone (put back or put right outside): told once. */
export async function recordDriftCleared(pool: Pool, s: Subject, now: Date): Promise<void> {
  await withTransaction(pool, async (c) => {
    await recordHistory(c, s, 'cleared', [], now, null, 'the outside resource matches the spec again');
    await recordDriftEvent(c, s, 'drift-cleared', {}, now);
    await c.query(
      'UPDATE managed_resources SET drift_fingerprint = NULL, observed_at = $2, updated_at = now() WHERE uid = $1',
      [s.uid, now],
    );
  });
}

/**
 * The intent to remediate, recorded before the provider is called: a crash after this repeats the same
 * plan with the same token, which the provider answers with the first call's operations. Returns the
 * attempt (see planAttempt), new each time a plan starts, even the same plan again.
 */
export async function recordPlanStarted(
  pool: Pool,
  s: Subject,
  plan: { hash: string; records: DriftRecord[]; changes: string[]; desired: unknown },
  now: Date,
): Promise<number> {
  return withTransaction(pool, async (c) => {
    const attempt = await recordHistory(
      c,
      s,
      'remediating',
      plan.records,
      now,
      plan.hash,
      plan.changes.join('; '),
    );
    await recordDriftEvent(c, s, 'remediation-started', { planHash: plan.hash, changes: plan.changes }, now);
    await c.query(
      `UPDATE managed_resources SET plan_hash = $2, plan_records = $3, plan_desired = $4, plan_operations = NULL,
         updated_at = now() WHERE uid = $1`,
      [s.uid, plan.hash, JSON.stringify(plan.records), JSON.stringify(plan.desired)],
    );
    return attempt;
  });
}

/**
 * The attempt of the plan under way, as recordPlanStarted returned it: the id of the last history row it
 * wrote, which only a later plan's start goes past.
 */
export async function planAttempt(db: Pool, uid: string): Promise<number> {
  const { rows } = await db.query<{ id: string | null }>(
    "SELECT max(id) AS id FROM drift_history WHERE uid = $1 AND event = 'remediating'",
    [uid],
  );
  return Number(rows[0]?.id ?? 0);
}

export async function recordPlanOperations(pool: Pool, uid: string, operations: string[]): Promise<void> {
  await pool.query('UPDATE managed_resources SET plan_operations = $2, updated_at = now() WHERE uid = $1', [
    uid,
    JSON.stringify(operations),
  ]);
}

/** The plan ended: applied is what it put back, and the outcome goes to history and the bus. */
export async function recordPlanEnded(
  pool: Pool,
  s: Subject,
  record: ManagedRecord,
  outcome: { failed?: string },
  now: Date,
): Promise<void> {
  await withTransaction(pool, async (c) => {
    const event = outcome.failed ? 'remediation-failed' : 'remediated';
    await recordHistory(c, s, event, [], now, record.plan_hash, outcome.failed ?? null);
    await recordDriftEvent(
      c,
      s,
      event,
      { planHash: record.plan_hash, ...(outcome.failed ? { error: outcome.failed } : {}) },
      now,
    );
    await c.query(
      `UPDATE managed_resources SET plan_hash = NULL, plan_records = NULL, plan_operations = NULL,
         plan_desired = NULL, applied = COALESCE($2, applied), updated_at = now() WHERE uid = $1`,
      [s.uid, outcome.failed ? null : JSON.stringify(record.plan_desired)],
    );
  });
}

/** An accept or release worth keeping in history (no event of its own: the kind's transition tells it). */
export async function recordHistoryOnly(
  pool: Pool,
  s: Subject,
  event: string,
  records: readonly (DriftRecord & { action?: DriftAction })[],
  detail: string | null,
  now: Date,
): Promise<void> {
  await withTransaction(pool, (c) => recordHistory(c, s, event, records, now, null, detail));
}

export async function forgetRecord(pool: Pool, uid: string): Promise<void> {
  await pool.query('DELETE FROM managed_resources WHERE uid = $1', [uid]);
}

function shown(r: DriftRecord & { action: DriftAction }) {
  return {
    path: r.path,
    type: r.type,
    severity: r.severity,
    desired: r.desired,
    actual: r.actual,
    action: r.action,
  };
}
