// The simulated cloud's hosts: built from its configuration, each with its capacity and what its live
// instances use, so that nothing is placed on a host, or grown there, beyond its room.
import type { Capacity, HostInfo, InstanceSize } from '../types.ts';
import type { SimulatorConfig } from './config.ts';

export interface HostRecord extends HostInfo {
  used: Capacity;
}

/** What an instance takes of its host. */
export interface Placed {
  id: string;
  hostId: string;
  vcpu: number;
  memoryMiB: number;
  gpu: number;
}

const nothing = (): Capacity => ({ vcpu: 0, memoryMiB: 0, gpu: 0 });

export class Hosts {
  readonly records = new Map<string, HostRecord>();

  constructor(config: SimulatorConfig) {
    for (const r of config.regions)
      for (const zone of r.zones)
        for (let i = 0; i < config.hostsPerZone; i++) {
          const id = `${zone}-h${String(i).padStart(3, '0')}`;
          const capacity = { ...config.hostCapacity };
          this.records.set(id, { id, region: r.name, zone, capacity, status: 'up', used: nothing() });
        }
  }

  /** Counts what the instance takes on its host (sign 1), or gives it back (sign -1). */
  charge(i: Placed, sign: number): void {
    const h = this.records.get(i.hostId);
    if (!h) return;
    h.used = {
      vcpu: h.used.vcpu + sign * i.vcpu,
      memoryMiB: h.used.memoryMiB + sign * i.memoryMiB,
      gpu: h.used.gpu + sign * i.gpu,
    };
  }

  /** Forgets what every host uses, before the live instances are counted again. */
  clearUse(): void {
    for (const h of this.records.values()) h.used = nothing();
  }

  /** The hosts of a region (or all), each down while its zone or region has an outage. */
  list(region: string | undefined, outage: (region: string, zone: string) => string | undefined): HostInfo[] {
    return [...this.records.values()]
      .filter((h) => !region || h.region === region)
      .map((h) => ({
        id: h.id,
        region: h.region,
        zone: h.zone,
        capacity: h.capacity,
        status: outage(h.region, h.zone) ? 'down' : 'up',
      }));
  }

  /** Whether the host has room for `need` more. */
  fits(host: HostRecord, need: Capacity): boolean {
    return (
      host.used.vcpu + need.vcpu <= host.capacity.vcpu &&
      host.used.memoryMiB + need.memoryMiB <= host.capacity.memoryMiB &&
      host.used.gpu + need.gpu <= host.capacity.gpu
    );
  }

  /** Why the instance's host cannot hold it at `size`, besides `reserved` for others; undefined when it can. */
  noRoom(
    inst: Placed,
    size: InstanceSize,
    reserved: InstanceSize = { vcpu: 0, memoryMiB: 0 },
  ): string | undefined {
    const host = this.records.get(inst.hostId);
    if (!host) return `host ${inst.hostId} of instance ${inst.id} does not exist`;
    // What the host has free once the instance's own share is counted as free.
    const vcpu = host.capacity.vcpu - (host.used.vcpu - inst.vcpu) - reserved.vcpu;
    const memoryMiB = host.capacity.memoryMiB - (host.used.memoryMiB - inst.memoryMiB) - reserved.memoryMiB;
    if (size.vcpu <= vcpu && size.memoryMiB <= memoryMiB) return undefined;
    return (
      `host ${host.id} has no room for instance ${inst.id} at ${size.vcpu} vCPU and ${size.memoryMiB} MiB: ` +
      `at most ${vcpu} vCPU and ${memoryMiB} MiB are free for it`
    );
  }
}
