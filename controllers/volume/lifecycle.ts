// The Volume lifecycle: every allowed transition is listed here, and only here. Anything else is refused.
import type { VolumePhase } from '../../crds/schemas/volume.ts';

export const volumeTransitions: Readonly<Record<VolumePhase, readonly VolumePhase[]>> = {
  Pending: ['Creating', 'Deleted'],
  Creating: ['Available', 'Failed', 'Deleting'],
  Available: ['Resizing', 'Failed', 'Deleting'],
  // A resize the provider refused leaves the volume Available at its old size.
  Resizing: ['Available', 'Failed', 'Deleting'],
  // Failed: created afresh (Pending) when nothing exists at the provider, or back to Available when it does.
  Failed: ['Pending', 'Available', 'Deleting'],
  Deleting: ['Deleted', 'Failed'],
  Deleted: [],
};

export class IllegalVolumeTransition extends Error {
  constructor(
    readonly from: VolumePhase,
    readonly to: VolumePhase,
  ) {
    super(
      `a Volume cannot go from ${from} to ${to}; allowed from ${from}: ${volumeTransitions[from].join(', ') || 'none'}`,
    );
  }
}

export function assertVolumeTransition(from: VolumePhase, to: VolumePhase): void {
  if (!volumeTransitions[from].includes(to)) throw new IllegalVolumeTransition(from, to);
}

/** Phases in which the volume exists at the provider and is billed by its size. */
export function isBilled(phase: VolumePhase): boolean {
  return phase === 'Available' || phase === 'Resizing';
}
