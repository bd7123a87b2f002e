// The operator's view of where capacity is: the scheduler's indexes, built from the provider's hosts and the
// reservations recorded in infra_db, and rebuilt (never per decision) at start, when a reservation loses a
// race in the database, and periodically. The database's CHECK constraints stay the final word.
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

export class ProviderPlacement implements Placement {
  private scheduler = new Scheduler();
  private refreshing?: Promise<void>;
  private loaded = false;

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
    return this.scheduler.place(req);
  }

  release(instanceId: string): void {
    this.scheduler.release(instanceId);
  }

  /** Rebuilds the indexes; concurrent callers share one rebuild. */
  refresh(): Promise<void> {
    this.refreshing ??= this.rebuild().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async rebuild(): Promise<void> {
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
    for (const row of await instancesHoldingHosts(this.pool)) {
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
    this.scheduler = next;
    this.loaded = true;
    this.log.info({ hosts: hosts.length, reservations: restored }, 'placement indexes rebuilt');
  }
}
