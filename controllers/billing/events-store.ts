// Reading metered events for a period: the events inside it, plus each resource's last event before it (to
// know what was already running when the period began). For one tenant, or for all.
import type { Pool } from 'pg';
import type { MeteredEvent } from './usage.ts';

const columns =
  'event_id, resource_uid, tenant, resource_kind, resource_class, region, state, occurred_at, labels';

export async function meteredEventsAround(
  pool: Pool,
  start: Date,
  end: Date,
  tenant?: string,
): Promise<MeteredEvent[]> {
  const which = tenant === undefined ? '' : 'tenant = $3 AND';
  const { rows } = await pool.query<{
    event_id: string;
    resource_uid: string;
    tenant: string;
    resource_kind: string;
    resource_class: string;
    region: string;
    state: string;
    occurred_at: Date;
    labels: Record<string, string>;
  }>(
    `SELECT ${columns} FROM metered_events WHERE ${which} occurred_at >= $1 AND occurred_at < $2
     UNION ALL
     SELECT * FROM (
       SELECT DISTINCT ON (resource_uid) ${columns} FROM metered_events WHERE ${which} occurred_at < $1
        ORDER BY resource_uid, occurred_at DESC, event_id DESC) before`,
    tenant === undefined ? [start, end] : [start, end, tenant],
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    resourceUid: r.resource_uid,
    tenant: r.tenant,
    resourceKind: r.resource_kind,
    resourceClass: r.resource_class,
    region: r.region,
    state: r.state,
    occurredAt: r.occurred_at,
    labels: r.labels,
  }));
}
