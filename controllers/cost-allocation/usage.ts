// Per-tenant usage of a period, for cost allocation: vCPU-hours of instances, hours of networks and GiB-hours
// of volumes (public addresses count for none of them), from
// the metered events of every tenant; and each tenant's tenures, so a tenant deleted mid-period (or deleted
// and created again under its name) takes part only for the time it existed.
import type { Pool } from 'pg';
import { instanceSizes } from '../../crds/schemas/compute.ts';
import { Dec, type Decimal } from '../billing/domain/money.ts';
import type { Interval } from '../billing/domain/period.ts';
import { meteredEventsAround } from '../billing/events-store.ts';
import { usageSegments, type MeteredEvent } from '../billing/usage.ts';

export interface TenantMeasures {
  vcpuHours: Map<string, Decimal>;
  networkHours: Map<string, Decimal>;
  storageGiBHours: Map<string, Decimal>;
}

export function emptyMeasures(): TenantMeasures {
  return { vcpuHours: new Map(), networkHours: new Map(), storageGiBHours: new Map() };
}

/** Which measure a segment counts towards, and how many units it uses (hours are multiplied by these). */
function measureOf(resourceClass: string, quantity: number): [keyof TenantMeasures, number] | undefined {
  if (resourceClass === 'network') return ['networkHours', 1];
  if (resourceClass.startsWith('storage-')) return ['storageGiBHours', quantity];
  const vcpus = vcpusOf(resourceClass, quantity);
  return vcpus > 0 ? ['vcpuHours', vcpus] : undefined;
}

function vcpusOf(resourceClass: string, quantity: number): number {
  if (resourceClass in instanceSizes) return instanceSizes[resourceClass as keyof typeof instanceSizes].vcpu;
  return resourceClass === 'vcpu' ? quantity : 0;
}

/** Pure: sums the usage of `events` over `period` per tenant. */
export function measure(events: readonly MeteredEvent[], period: Interval): TenantMeasures {
  const out = emptyMeasures();
  for (const s of usageSegments(events, period.start, period.end)) {
    const counted = measureOf(s.resourceClass, s.quantity);
    if (!counted) continue;
    const [which, units] = counted;
    const amount = new Dec(s.end.getTime() - s.start.getTime()).dividedBy(3_600_000).times(units);
    out[which].set(s.tenant, (out[which].get(s.tenant) ?? new Dec(0)).plus(amount));
  }
  return out;
}

export function eventsOfPeriod(pool: Pool, period: Interval): Promise<MeteredEvent[]> {
  return meteredEventsAround(pool, period.start, period.end);
}

/** Tenants that existed at some point of the period, with the parts of it they existed for (their tenures). */
export async function tenantLifetimes(tenantsPool: Pool, period: Interval): Promise<Map<string, Interval[]>> {
  const { rows } = await tenantsPool.query<{ name: string; created_at: Date; deleted_at: Date | null }>(
    `SELECT name, created_at, deleted_at FROM tenant_tenures
      WHERE created_at < $2 AND (deleted_at IS NULL OR deleted_at > $1) ORDER BY name, created_at`,
    [period.start, period.end],
  );
  const lifetimes = new Map<string, Interval[]>();
  for (const r of rows) {
    const tenure = {
      start: new Date(Math.max(r.created_at.getTime(), period.start.getTime())),
      end: new Date(Math.min((r.deleted_at ?? period.end).getTime(), period.end.getTime())),
    };
    lifetimes.set(r.name, [...(lifetimes.get(r.name) ?? []), tenure]);
  }
  return lifetimes;
}
