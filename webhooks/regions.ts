// The region a Network, Compute or Volume asks for must be one the provider offers. The offer is read from
// the provider (cached a minute); when the provider cannot say, the check is skipped rather than refusing
// every create, and the controller reports an unknown region on the object instead.
import type { Problem } from './review.ts';

/** Kinds whose spec names a region. */
export const regionalKinds = new Set(['Network', 'Compute', 'Volume']);

export function regionProblem(region: unknown, offered: readonly string[]): Problem | undefined {
  if (typeof region !== 'string' || offered.includes(region)) return undefined;
  return {
    field: 'spec.region',
    message: `region ${region} is not offered by the cloud provider; offered: ${[...offered].sort().join(', ')}`,
  };
}

/** The provider's regions, read at most once a minute; undefined while it cannot be asked. */
export function cachedRegions(read: () => Promise<string[]>, ttlMs = 60_000, now = () => Date.now()) {
  let cached: { at: number; regions: string[] } | undefined;
  return async (): Promise<string[] | undefined> => {
    if (cached && now() - cached.at < ttlMs) return cached.regions;
    try {
      cached = { at: now(), regions: await read() };
      return cached.regions;
    } catch {
      return cached?.regions;
    }
  };
}
