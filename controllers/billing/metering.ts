// The metering consumer: reads the event topics and records the lifecycle events billing needs in
// billing_db, once each by event id, so a replayed or duplicated event changes nothing. Offsets are
// committed after the rows are written; a crash re-reads and the primary key absorbs it.
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { CloudEvent } from '../events/cloudevent.ts';
import { consumeEvents } from '../events/consumer.ts';
import { instanceClass } from './usage.ts';

export const meteringGroup = 'omnicloud-metering';

interface TransitionData {
  kind?: string;
  to?: string;
  region?: string;
  vcpu?: number;
  memoryMiB?: number;
  labels?: Record<string, string>;
}

/** The row to record for an event, or undefined when billing does not care about it. */
export function meteredRow(event: CloudEvent<TransitionData>): unknown[] | undefined {
  const d = event.data ?? {};
  if (!d.to || !d.region || !event.tenant) return undefined;
  let resourceClass: string;
  if (d.kind === 'Compute') {
    const c = instanceClass(Number(d.vcpu), Number(d.memoryMiB));
    resourceClass = c.resourceClass === 'vcpu' ? `vcpu:${c.quantity}` : c.resourceClass;
  } else if (d.kind === 'Network') {
    resourceClass = 'network';
  } else {
    return undefined;
  }
  const at = new Date(event.time);
  if (Number.isNaN(at.getTime())) return undefined;
  const labels = d.labels && typeof d.labels === 'object' && !Array.isArray(d.labels) ? d.labels : {};
  return [
    event.id,
    event.subject,
    event.tenant,
    d.kind,
    resourceClass,
    d.region,
    d.to,
    at,
    JSON.stringify(labels),
  ];
}

export async function recordEvents(
  pool: Pool,
  events: readonly CloudEvent<TransitionData>[],
): Promise<number> {
  const rows = events.map(meteredRow).filter((r): r is unknown[] => r !== undefined);
  if (rows.length === 0) return 0;
  const cols = (i: number) => rows.map((r) => r[i]);
  const { rowCount } = await pool.query(
    `INSERT INTO metered_events (event_id, resource_uid, tenant, resource_kind, resource_class, region, state, occurred_at, labels)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::jsonb[])
     ON CONFLICT (event_id) DO NOTHING`,
    [cols(0), cols(1), cols(2), cols(3), cols(4), cols(5), cols(6), cols(7), cols(8)],
  );
  return rowCount ?? 0;
}

export function startMeteringConsumer(
  kafka: Kafka,
  pool: Pool,
  log: Logger,
  groupId = meteringGroup,
): Promise<Consumer> {
  return consumeEvents<TransitionData>(kafka, groupId, log, async (events) => {
    await recordEvents(pool, events);
  });
}
