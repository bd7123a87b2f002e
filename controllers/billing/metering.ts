// The metering consumer: reads the event topics and records the lifecycle events billing needs in
// billing_db, once each by event id, so a replayed or duplicated event changes nothing. Offsets are
// committed after the rows are written; a crash re-reads and the primary key absorbs it.
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { CloudEvent } from '../events/cloudevent.ts';
import { consumeEvents } from '../events/consumer.ts';
import { v5 as uuidv5 } from 'uuid';
import { instanceClass } from './usage.ts';

export const meteringGroup = 'omnicloud-metering';

interface TransitionData {
  kind?: string;
  to?: string;
  region?: string;
  vcpu?: number;
  memoryMiB?: number;
  publicIp?: boolean;
  type?: string;
  sizeGiB?: number;
  labels?: Record<string, string>;
}

/**
 * A public address is metered as a resource of its own, with ids derived from the instance's (so a replayed
 * event derives the same ids and changes nothing). It is held from the instance's first Running until the
 * instance is Terminated, Stopped time included: the address stays with the instance.
 */
const publicIpNamespace = 'a7f1c0de-5b1e-4c8e-9a53-0d1c6b0e4f21';
const publicIpStates: Readonly<Record<string, string>> = { Running: 'Allocated', Terminated: 'Released' };

/** The metered class of an event: the priced class, with the quantity after a colon when it is not 1. */
function resourceClassOf(d: TransitionData): string | undefined {
  switch (d.kind) {
    case 'Compute': {
      const c = instanceClass(Number(d.vcpu), Number(d.memoryMiB));
      return c.resourceClass === 'vcpu' ? `vcpu:${c.quantity}` : c.resourceClass;
    }
    case 'Network':
      return 'network';
    case 'Volume': {
      const size = Number(d.sizeGiB);
      if (!Number.isInteger(size) || size < 1 || (d.type !== 'standard' && d.type !== 'ssd'))
        return undefined;
      return `storage-${d.type}:${size}`;
    }
    default:
      return undefined;
  }
}

/** The rows to record for an event: none when billing does not care about it, two for an instance's address. */
export function meteredRows(event: CloudEvent<TransitionData>): unknown[][] {
  const d = event.data ?? {};
  if (!d.to || !d.region || !event.tenant) return [];
  const resourceClass = resourceClassOf(d);
  if (!resourceClass) return [];
  const at = new Date(event.time);
  if (Number.isNaN(at.getTime())) return [];
  const labels = JSON.stringify(
    d.labels && typeof d.labels === 'object' && !Array.isArray(d.labels) ? d.labels : {},
  );
  const rows = [[event.id, event.subject, event.tenant, d.kind, resourceClass, d.region, d.to, at, labels]];
  const addressState = publicIpStates[d.to];
  if (d.kind === 'Compute' && d.publicIp === true && addressState) {
    rows.push([
      uuidv5(`${event.id}/public-ip`, publicIpNamespace),
      uuidv5(`${event.subject}/public-ip`, publicIpNamespace),
      event.tenant,
      'PublicIP',
      'public-ip',
      d.region,
      addressState,
      at,
      labels,
    ]);
  }
  return rows;
}

export async function recordEvents(
  pool: Pool,
  events: readonly CloudEvent<TransitionData>[],
): Promise<number> {
  const rows = events.flatMap(meteredRows);
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
