// Per-key counts of instances on each host, the building block of the scheduler's indexes: a key maps to the
// hosts that hold at least one matching instance, with how many, and disappears when the last one leaves.

/** Hosts per key, with how many instances each holds. */
export type HostCounts = Map<string, Map<string, number>>;

export function bump(counts: HostCounts, key: string, hostId: string, by: 1 | -1): void {
  let perHost = counts.get(key);
  if (!perHost) counts.set(key, (perHost = new Map()));
  const next = (perHost.get(hostId) ?? 0) + by;
  if (next > 0) perHost.set(hostId, next);
  else perHost.delete(hostId);
  if (perHost.size === 0) counts.delete(key);
}

// NUL cannot occur in a Kubernetes name or label, so it separates the parts of a key unambiguously.
export const labelKey = (tenant: string, key: string, value: string): string =>
  `${tenant}\u0000${key}\u0000${value}`;
