// What a management and deletion policy allow the reconciler to do outside. Pure.
import type { DeletionPolicy, DriftPolicy, ManagementPolicy } from '../../crds/schemas/managed.ts';
import type { ManagedPolicies } from './kind.ts';

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

interface WithPolicies {
  managementPolicy?: ManagementPolicy;
  deletionPolicy?: DeletionPolicy;
  driftPolicy?: DriftPolicy;
}

/**
 * The policies of an object: from the spec the controller acts on, else from the object's own spec (a spec it
 * cannot act on still says how it is to be deleted), else the defaults.
 */
export function policiesOf(spec: WithPolicies | undefined, obj: { spec?: WithPolicies }): ManagedPolicies {
  return {
    managementPolicy: spec?.managementPolicy ?? obj.spec?.managementPolicy ?? 'Full',
    deletionPolicy: spec?.deletionPolicy ?? obj.spec?.deletionPolicy ?? 'Delete',
    driftPolicy: spec?.driftPolicy ?? { default: 'revert', overrides: [] },
  };
}
