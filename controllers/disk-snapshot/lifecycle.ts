// The DiskSnapshot lifecycle: every allowed transition is listed here, and only here. Anything else is refused.
import type { DiskSnapshotPhase } from '../../crds/schemas/disk-snapshot.ts';

export const snapshotTransitions: Readonly<Record<DiskSnapshotPhase, readonly DiskSnapshotPhase[]>> = {
  // Pending waits for its volume; Creating has asked the provider (or is about to, with the token recorded).
  Pending: ['Creating', 'Deleted'],
  Creating: ['Ready', 'Failed', 'Deleting'],
  Ready: ['Failed', 'Deleting'],
  // Failed: taken afresh (Pending) when nothing was made; a snapshot lost at the provider stays Failed.
  Failed: ['Pending', 'Deleting'],
  Deleting: ['Deleted'],
  Deleted: [],
};

export class IllegalSnapshotTransition extends Error {
  constructor(
    readonly from: DiskSnapshotPhase,
    readonly to: DiskSnapshotPhase,
  ) {
    super(
      `a DiskSnapshot cannot go from ${from} to ${to}; allowed from ${from}: ${snapshotTransitions[from].join(', ') || 'none'}`,
    );
  }
}

export function assertSnapshotTransition(from: DiskSnapshotPhase, to: DiskSnapshotPhase): void {
  if (!snapshotTransitions[from].includes(to)) throw new IllegalSnapshotTransition(from, to);
}

/** Phases in which the snapshot exists at the provider and takes storage (GiB-hours). */
export function isStored(phase: DiskSnapshotPhase): boolean {
  return phase === 'Ready';
}
