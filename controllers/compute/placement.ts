// The operator's view of where capacity is: the scheduler's indexes, built from the provider's hosts and the
// reservations recorded in infra_db, and rebuilt (never per decision) at start, when a reservation loses a
// race in the database, and periodically. The database's CHECK constraints stay the final word on capacity,
// but nothing in the database checks anti-affinity or placement groups: a rebuild must never lose a placement.
// Placing goes on while a rebuild reads the database, so a placement handed out but not yet committed (or
// committed after the rebuild's snapshot) is carried over into the new indexes, and a release made while the
// rebuild ran is applied to them, before they replace the old ones.
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { CloudProvider } from '../provider/types.ts';
import { tenantOfNamespace } from '../tenant/children.ts';
import { Scheduler } from './scheduler/index.ts';
import type { PlacementRequest, PlacementResult } from './scheduler/types.ts';
import { instancesHoldingHosts, syncHosts } from './store.ts';

export interface Placement {
  place(req: PlacementRequest): PlacementResult;
  release(instanceId: string): void;
  refresh(): Promise<void>;
}

interface Handed {
  hostId: string;
  req: PlacementRequest;
}

export class ProviderPlacement implements Placement {
  private scheduler = new Scheduler();
  private refreshing?: Promise<void>;
  private loaded = false;
  /** Placements handed out that no rebuild has yet seen recorded in infra_db, by instance. */
  private readonly unrecorded = new Map<string, Handed>();
  /** Instances released while a rebuild runs: its snapshot of infra_db may still hold them. */
  private releasedDuringRebuild?: Set<string>;

  constructor(
    private readonly provider: CloudProvider,
    private readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  place(req: PlacementRequest): PlacementResult {
    if (!this.loaded) {
      void this.refresh().catch(() => undefined);
      return {
        ok: false,
        reason: 'NoCapacity',
        message: 'the host inventory has not been loaded from the provider yet; retrying',
      };
    }
    const placed = this.scheduler.place(req);
    if (placed.ok) this.unrecorded.set(req.instanceId, { hostId: placed.hostId, req });
    return placed;
  }

  release(instanceId: string): void {
    this.scheduler.release(instanceId);
    this.unrecorded.delete(instanceId);
    this.releasedDuringRebuild?.add(instanceId);
  }

  /** Rebuilds the indexes; concurrent callers share one rebuild. */
  refresh(): Promise<void> {
    this.refreshing ??= this.rebuild().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async rebuild(): Promise<void> {
    const released = new Set<string>();
    this.releasedDuringRebuild = released;
    try {
      await this.rebuildFrom(released);
    } finally {
      this.releasedDuringRebuild = undefined;
    }
  }

  private async rebuildFrom(released: ReadonlySet<string>): Promise<void> {
    const hosts = await this.provider.listHosts();
    await syncHosts(
      this.pool,
      hosts.map((h) => ({
        id: h.id,
        region: h.region,
        zone: h.zone,
        vcpu: h.capacity.vcpu,
        memory_mib: h.capacity.memoryMiB,
        gpu: h.capacity.gpu,
        status: h.status,
      })),
    );
    const next = new Scheduler(
      hosts
        .filter((h) => h.status === 'up')
        .map((h) => ({ id: h.id, region: h.region, zone: h.zone, capacity: h.capacity })),
    );
    let restored = 0;
    const recorded = new Map<string, string>();
    for (const row of await instancesHoldingHosts(this.pool)) {
      recorded.set(row.uid, row.host_id!);
      const req: PlacementRequest = {
        instanceId: row.uid,
        tenant: tenantOfNamespace(row.namespace),
        region: row.region,
        zone: row.zone ?? undefined,
        vcpu: row.vcpu,
        memoryMiB: row.memory_mib,
        gpu: row.gpu,
        labels: row.labels,
        antiAffinity: row.anti_affinity,
        ...(row.placement_group && row.placement_strategy
          ? {
              placementGroup: {
                name: row.placement_group,
                strategy: row.placement_strategy as 'spread' | 'cluster',
              },
            }
          : {}),
      };
      // A host that is down keeps its reservations in the database but takes no new ones here.
      if (next.reserveOn(row.host_id!, req).ok) restored++;
    }
    // From here to the swap nothing awaits, so no placement or release can slip between the two.
    for (const instanceId of released) next.release(instanceId);
    const carried = this.carryOver(next, recorded, released);
    this.scheduler = next;
    this.loaded = true;
    this.log.info(
      { hosts: hosts.length, reservations: restored, carriedOver: carried },
      'placement indexes rebuilt',
    );
  }

  /**
   * Puts into `next` the placements handed out that the snapshot did not show as recorded: they were not
   * committed yet when it was read. Those it showed on the same host are recorded, and forgotten here.
   */
  private carryOver(
    next: Scheduler,
    recorded: ReadonlyMap<string, string>,
    released: ReadonlySet<string>,
  ): number {
    let carried = 0;
    for (const [instanceId, handed] of this.unrecorded) {
      if (recorded.get(instanceId) === handed.hostId && !released.has(instanceId)) {
        this.unrecorded.delete(instanceId);
        continue;
      }
      let kept: boolean;
      try {
        kept = next.reserveOn(handed.hostId, handed.req).ok;
      } catch {
        kept = false; // recorded on another host: the database's word stands
      }
      if (kept) {
        carried++;
        continue;
      }
      // Not carried: should its reservation still commit, the next rebuild reads it from infra_db.
      this.unrecorded.delete(instanceId);
      this.log.warn(
        { instance: instanceId, host: handed.hostId },
        'a placement not yet recorded does not fit the rebuilt indexes; its reservation will decide',
      );
    }
    return carried;
  }
}
