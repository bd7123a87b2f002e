// The ConfigSet lifecycle: every allowed transition is listed here, and only here. Anything else is refused.
import type { ConfigSetPhase } from '../../crds/schemas/config-set.ts';

export const configSetTransitions: Readonly<Record<ConfigSetPhase, readonly ConfigSetPhase[]>> = {
  // Pending: recorded, no version yet.
  Pending: ['Applying', 'Deleted'],
  // Applying: a version is recorded and is being written to the ConfigMap.
  Applying: ['Synced', 'Deleting', 'Deleted'],
  // Synced: the ConfigMap holds the current version; a new version or a ConfigMap to put back starts Applying.
  Synced: ['Applying', 'Deleting', 'Deleted'],
  Deleting: ['Deleted'],
  Deleted: [],
};

export class IllegalConfigSetTransition extends Error {
  constructor(
    readonly from: ConfigSetPhase,
    readonly to: ConfigSetPhase,
  ) {
    super(
      `a ConfigSet cannot go from ${from} to ${to}; allowed from ${from}: ${configSetTransitions[from].join(', ') || 'none'}`,
    );
  }
}

export function assertConfigSetTransition(from: ConfigSetPhase, to: ConfigSetPhase): void {
  if (!configSetTransitions[from].includes(to)) throw new IllegalConfigSetTransition(from, to);
}
