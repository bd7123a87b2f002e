// Usage from lifecycle events, pure: a resource accrues time from each event that puts it in service
// (Running for instances, Ready for networks, Available or Resizing for volumes, Allocated for public
// addresses) to the next event that takes it out, in the region, class and quantity of the event that started
// it: a volume that grows is metered at its old size until the resize completes, then at the new one. Events are ordered by the time they happened, not the time they arrived, so late and
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
  /**
   * Units per hour: 1 for a sized instance, a network or a public address, the vCPU count for a custom
   * instance, the size in GiB for a volume.
   */
  quantity: number;
  labels?: Record<string, string>;
}

const inService = new Set(['Running', 'Ready', 'Available', 'Resizing', 'Allocated']);

/** What one unit of a priced class is, as an invoice line shows it. */
export function unitOf(resourceClass: string): string {
  if (resourceClass.startsWith('storage-')) return 'GiB-hour';
  if (resourceClass === 'vcpu') return 'vCPU-hour';
  return 'hour';
}

/** The class an instance is priced by: its size when it matches one exactly, otherwise per vCPU. */
export function instanceClass(vcpu: number, memoryMiB: number): { resourceClass: string; quantity: number } {
  for (const [size, d] of Object.entries(instanceSizes)) {
    if (d.vcpu === vcpu && d.memoryMiB === memoryMiB) return { resourceClass: size, quantity: 1 };
  }
  return { resourceClass: 'vcpu', quantity: vcpu };
}

/** A metered class is the priced class, followed by `:quantity` when the quantity is not 1 (vcpu:3). */
const quantified = /^(.+):(\d+)$/;

function quantityOf(e: MeteredEvent): number {
  const match = quantified.exec(e.resourceClass);
  return match ? Number(match[2]) : 1;
}

function classOf(e: MeteredEvent): string {
  return quantified.exec(e.resourceClass)?.[1] ?? e.resourceClass;
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
        // In service again without a stop in between: a move to another region, or a new size. Close and reopen.
        if (open && (open.region !== e.region || open.resourceClass !== e.resourceClass)) close(e.occurredAt);
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
