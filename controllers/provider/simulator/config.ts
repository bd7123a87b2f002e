// What the simulated cloud is made of (regions, zones, hosts and their capacity, how long operations take and
// how late their results show), and the faults that can be injected into it.
import type { Capacity } from '../types.ts';

export interface SimulatorConfig {
  regions: { name: string; zones: string[] }[];
  hostsPerZone: number;
  hostCapacity: Capacity;
  latencyMs: number;
  visibilityDelayMs: number;
  /** Public address pools by region, as CIDRs; regions not named here get a documentation range. */
  publicIpPools?: Record<string, string>;
}

export const defaultConfig: SimulatorConfig = {
  regions: [
    { name: 'eu-west-1', zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
    { name: 'us-east-1', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
  ],
  hostsPerZone: 20,
  hostCapacity: { vcpu: 64, memoryMiB: 262144, gpu: 0 },
  latencyMs: 200,
  visibilityDelayMs: 50,
};

export interface Faults {
  downZones: string[];
  downRegions: string[];
  throttleProbability: number;
  /** What a throttled answer asks the client to wait. */
  throttleRetryAfterMs: number;
  slowMs: number;
  failProbability: number;
  failMessage: string;
}

export const noFaults: Faults = {
  downZones: [],
  downRegions: [],
  throttleProbability: 0,
  throttleRetryAfterMs: 1000,
  slowMs: 0,
  failProbability: 0,
  failMessage: 'injected failure',
};
