// The Compute lifecycle: every allowed transition is listed here, and only here. Anything else is refused.
import type { ComputePhase } from '../../crds/schemas/compute.ts';

export const transitions: Readonly<Record<ComputePhase, readonly ComputePhase[]>> = {
  Pending: ['Scheduled', 'Failed', 'Terminated'],
  Scheduled: ['Provisioning', 'Failed', 'Terminating'],
  Provisioning: ['Running', 'Stopped', 'Failed', 'Terminating'],
  Running: ['Stopping', 'Failed', 'Terminating'],
  Stopping: ['Stopped', 'Failed', 'Terminating'],
  Stopped: ['Provisioning', 'Failed', 'Terminating'],
  // Failed: retried from the start (Pending), or back where it was when the outage that caused it ends.
  Failed: ['Pending', 'Running', 'Stopped', 'Terminating'],
  Terminating: ['Terminated', 'Failed'],
  Terminated: [],
};

export class IllegalTransition extends Error {
  constructor(
    readonly from: ComputePhase,
    readonly to: ComputePhase,
  ) {
    super(
      `a Compute cannot go from ${from} to ${to}; allowed from ${from}: ${transitions[from].join(', ') || 'none'}`,
    );
  }
}

export function canTransition(from: ComputePhase, to: ComputePhase): boolean {
  return transitions[from].includes(to);
}

export function assertTransition(from: ComputePhase, to: ComputePhase): void {
  if (!canTransition(from, to)) throw new IllegalTransition(from, to);
}

/** Phases in which the instance holds capacity on a host and an address. */
export function holdsCapacity(phase: ComputePhase): boolean {
  return ['Scheduled', 'Provisioning', 'Running', 'Stopping', 'Stopped', 'Terminating'].includes(phase);
}
