// Pure decisions of leader election over a coordination.k8s.io Lease.

export interface LeaseState {
  holderIdentity?: string | null;
  renewTime?: Date | string | null;
  leaseDurationSeconds?: number | null;
}

export function leaseExpired(lease: LeaseState, now: number): boolean {
  if (!lease.holderIdentity) return true;
  const renewed = lease.renewTime ? new Date(lease.renewTime).getTime() : 0;
  return renewed + (lease.leaseDurationSeconds ?? 0) * 1000 < now;
}

/** May `identity` take or keep the lease now? */
export function canAcquire(lease: LeaseState | undefined, identity: string, now: number): boolean {
  return lease === undefined || lease.holderIdentity === identity || leaseExpired(lease, now);
}
