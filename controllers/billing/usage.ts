// Usage from lifecycle events, pure: a resource accrues time from each event that puts it in service
// (Running for instances, Ready for networks) to the next event that takes it out, in the region of the event
// that started it. Events are ordered by the time they happened, not the time they arrived, so late and
// out-of-order deliveries land where they belong; duplicates never reach here (unique by event id).
import { instanceSizes } from '../../crds/schemas/compute.ts';

export interface MeteredEvent {
  eventId: string;
  resourceUid: string;
  tenant: string;
  resourceKind: string;
  resourceClass: string;
  region: string;
  state: string;
  occurredAt: Date;
  labels?: Record<string, string>;
}

export interface UsageSegment {
  resourceUid: string;
  tenant: string;
  resourceClass: string;
  region: string;
  start: Date;
  end: Date;
  /** Units per hour: 1 for a sized instance or a network, the vCPU count for a custom instance. */
  quantity: number;
  labels?: Record<string, string>;
}

const inService = new Set(['Running', 'Ready']);

/** The class an instance is priced by: its size when it matches one exactly, otherwise per vCPU. */
export function instanceClass(vcpu: number, memoryMiB: number): { resourceClass: string; quantity: number } {
  for (const [size, d] of Object.entries(instanceSizes)) {
    if (d.vcpu === vcpu && d.memoryMiB === memoryMiB) return { resourceClass: size, quantity: 1 };
  }
  return { resourceClass: 'vcpu', quantity: vcpu };
}

function quantityOf(e: MeteredEvent): number {
  const match = /^vcpu:(\d+)$/.exec(e.resourceClass);
  return match ? Number(match[1]) : 1;
}

function classOf(e: MeteredEvent): string {
  return e.resourceClass.startsWith('vcpu:') ? 'vcpu' : e.resourceClass;
}

/** Segments of service within [from, to); a resource still in service at `to` is cut there. */
export function usageSegments(events: readonly MeteredEvent[], from: Date, to: Date): UsageSegment[] {
  const byResource = new Map<string, MeteredEvent[]>();
  for (const e of events) {
    const list = byResource.get(e.resourceUid) ?? [];
    list.push(e);
    byResource.set(e.resourceUid, list);
  }
  const out: UsageSegment[] = [];
  for (const list of byResource.values()) {
    list.sort(
      (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.eventId.localeCompare(b.eventId),
    );
    let open: MeteredEvent | undefined;
    const close = (end: Date) => {
      if (!open) return;
      const start = new Date(Math.max(open.occurredAt.getTime(), from.getTime()));
      const stop = new Date(Math.min(end.getTime(), to.getTime()));
      if (stop > start) {
        out.push({
          resourceUid: open.resourceUid,
          tenant: open.tenant,
          resourceClass: classOf(open),
          region: open.region,
          start,
          end: stop,
          quantity: quantityOf(open),
          ...(open.labels ? { labels: open.labels } : {}),
        });
      }
      open = undefined;
    };
    for (const e of list) {
      if (inService.has(e.state)) {
        // A second Running without a stop in between (a move to another region): close and reopen.
        if (open && open.region !== e.region) close(e.occurredAt);
        if (!open) open = e;
      } else {
        close(e.occurredAt);
      }
    }
    close(to);
  }
  return out.sort(
    (a, b) => a.start.getTime() - b.start.getTime() || a.resourceUid.localeCompare(b.resourceUid),
  );
}
