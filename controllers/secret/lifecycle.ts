// The ManagedSecret lifecycle: every allowed transition is listed here, and only here. Anything else is refused.
import type { ManagedSecretPhase } from '../../crds/schemas/managed-secret.ts';

export const secretTransitions: Readonly<Record<ManagedSecretPhase, readonly ManagedSecretPhase[]>> = {
  // Pending: the path is checked and its metadata (history length, who manages it) set.
  Pending: ['Writing', 'Deleting', 'Deleted'],
  // Writing: the first version, a changed source's value, or a value written again after it was destroyed.
  Writing: ['Ready', 'Pending', 'Deleting'],
  Ready: ['Rotating', 'Writing', 'Pending', 'Deleting'],
  // Rotating: the rotation is recorded before its write, so a crash writes at most one version for it.
  Rotating: ['Ready', 'Pending', 'Deleting'],
  Deleting: ['Deleted'],
  Deleted: [],
};

export class IllegalSecretTransition extends Error {
  constructor(
    readonly from: ManagedSecretPhase,
    readonly to: ManagedSecretPhase,
  ) {
    super(
      `a ManagedSecret cannot go from ${from} to ${to}; allowed from ${from}: ${secretTransitions[from].join(', ') || 'none'}`,
    );
  }
}

export function assertSecretTransition(from: ManagedSecretPhase, to: ManagedSecretPhase): void {
  if (!secretTransitions[from].includes(to)) throw new IllegalSecretTransition(from, to);
}
