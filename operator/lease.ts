// Pure decisions of leader election over a coordination.k8s.io Lease, after client-go's leaderelection.
// A replica judges expiry on its own monotonic clock, from the moment it last saw the lease record change,
// plus the lease duration; it never compares the holder's renewTime with its own wall clock, because two
// machines' wall clocks may be minutes apart. A leader judges its own term from when it sent its last
// successful renewal and stops at the renew deadline, which is shorter than the lease duration, so it has
// stopped before any other replica can see the lease expire.

/** The parts of a Lease that election reads. */
export interface LeaseRecord {
  holderIdentity?: string | null;
  renewTime?: string | null;
  leaseDurationSeconds?: number | null;
  resourceVersion?: string;
}

/** A lease record as this replica last saw it, and when, on its monotonic clock, it saw it change. */
export interface Observation {
  holder?: string;
  leaseDurationMs: number;
  /** What identifies one version of the record: a renewal by anyone changes it. */
  fingerprint: string;
  observedAt: number;
}

/** Folds a freshly read record into what was seen before: the clock restarts only when the record changed. */
export function observe(previous: Observation | undefined, record: LeaseRecord, now: number): Observation {
  const fingerprint = JSON.stringify([
    record.holderIdentity ?? '',
    record.renewTime ?? '',
    record.resourceVersion ?? '',
  ]);
  if (previous?.fingerprint === fingerprint) return previous;
  return {
    holder: record.holderIdentity || undefined,
    leaseDurationMs: (record.leaseDurationSeconds ?? 0) * 1000,
    fingerprint,
    observedAt: now,
  };
}

/** Has the holder gone a whole lease duration, as this replica measures it, without renewing? */
export function leaseExpired(observed: Observation, now: number): boolean {
  return !observed.holder || observed.observedAt + observed.leaseDurationMs <= now;
}

/** May `identity` take or keep the lease now? `undefined`: there is no Lease yet. */
export function canAcquire(observed: Observation | undefined, identity: string, now: number): boolean {
  return observed === undefined || observed.holder === identity || leaseExpired(observed, now);
}

/** Is a term whose last successful renewal was sent at `renewedAt` still safe to act on at `now`? */
export function withinRenewDeadline(renewedAt: number, renewDeadlineMs: number, now: number): boolean {
  return now - renewedAt < renewDeadlineMs;
}
