// What a management and deletion policy allow the reconciler to do outside. Pure.
import type { DeletionPolicy, ManagementPolicy } from '../../crds/schemas/managed.ts';

export interface Capabilities {
  create: boolean;
  update: boolean;
  delete: boolean;
}

const byPolicy: Readonly<Record<ManagementPolicy, Capabilities>> = {
  Full: { create: true, update: true, delete: true },
  ObserveOnly: { create: false, update: false, delete: false },
  NoUpdate: { create: true, update: false, delete: true },
  NoDelete: { create: true, update: true, delete: false },
};

export function capabilities(management: ManagementPolicy, deletion: DeletionPolicy): Capabilities {
  const allowed = byPolicy[management];
  return { ...allowed, delete: allowed.delete && deletion === 'Delete' };
}

/** Why a deletion leaves the outside resource in place, in the words status and events use. */
export function orphanReason(management: ManagementPolicy, deletion: DeletionPolicy): string {
  if (deletion === 'Orphan') return 'deletionPolicy is Orphan';
  return `managementPolicy ${management} never deletes`;
}
