// The Bucket lifecycle: every allowed transition is listed here, and only here. Anything else is refused.
import type { BucketPhase } from '../../crds/schemas/bucket.ts';

export const bucketTransitions: Readonly<Record<BucketPhase, readonly BucketPhase[]>> = {
  Pending: ['Creating', 'Deleted'],
  Creating: ['Available', 'Failed', 'Deleting'],
  // Rotating makes a new key pair (or delivers the same key with a new secret when the Secret went missing).
  Available: ['Rotating', 'Failed', 'Deleting'],
  Rotating: ['Available', 'Failed', 'Deleting'],
  // Failed: made afresh (Pending) when the bucket is gone from the server, or back once it answers again.
  Failed: ['Pending', 'Available', 'Deleting'],
  Deleting: ['Deleted', 'Failed'],
  Deleted: [],
};

export class IllegalBucketTransition extends Error {
  constructor(
    readonly from: BucketPhase,
    readonly to: BucketPhase,
  ) {
    super(
      `a Bucket cannot go from ${from} to ${to}; allowed from ${from}: ${bucketTransitions[from].join(', ') || 'none'}`,
    );
  }
}

export function assertBucketTransition(from: BucketPhase, to: BucketPhase): void {
  if (!bucketTransitions[from].includes(to)) throw new IllegalBucketTransition(from, to);
}
