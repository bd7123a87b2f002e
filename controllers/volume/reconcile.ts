// The Volume kind on the managed reconciler: a block volume created, grown and deleted at the provider. Each
// step reads the recorded row in infra_db, does one thing outside, and records the result with its event in
// one transaction, so a crash at any line resumes from the row with nothing created twice.
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import type { ControllerSpec } from '../../operator/controller.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { volumeSpecSchema, type Volume, type VolumeSpec } from '../../crds/schemas/volume.ts';
import { invalidSpec } from '../invalid-spec.ts';
import type { ManagedKind } from '../managed/kind.ts';
import type { ZoneObserver } from '../managed/observer.ts';
import { policiesOf } from '../managed/policies.ts';
import { managedController } from '../managed/reconciler.ts';
import { computeResource } from '../compute/reconcile.ts';
import type { CloudProvider, VolumeInfo } from '../provider/types.ts';
import { volumeClient, type VolumeState } from './client.ts';
import type { StorageLimit } from './quota.ts';
import { VolumeReasons, volumeStatus } from './status.ts';
import type { VolumeRow } from './store.ts';
import { recordedVolumeSpec, volumeSpecProblems } from './spec-check.ts';

export const volumeFinalizer = 'omnicloud.io/volume-cleanup';
export const volumeResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Volume',
  plural: 'volumes',
  namespaced: true,
};

export interface VolumeDeps {
  pool: Pool;
  provider: CloudProvider;
  onOutbox?: () => void;
  /** The tenant's storage limit for a namespace (undefined when it belongs to no tenant): no check without it. */
  storageLimit?: (namespace: string) => Promise<StorageLimit | undefined>;
  /** How often an available volume is compared with the provider; 30 s by default. */
  observeIntervalMs?: number;
  /** Lists each zone's volumes once per interval and wakes those that changed. */
  observer?: ZoneObserver<VolumeInfo>;
  /** The DiskSnapshot a volume is restored from, as the snapshot controller's cache has it. */
  snapshotSource?: (namespace: string, name: string) => SnapshotSource | undefined;
}

/** What a restore needs of a DiskSnapshot: its provider id once it is Ready, and its size. */
export interface SnapshotSource {
  phase?: string;
  providerId?: string;
  sizeGiB?: number;
}

export type VolumeObj = Volume & k8s.KubernetesObject;

export function volumeKind(deps: VolumeDeps): ManagedKind<VolumeObj, VolumeSpec, VolumeRow, VolumeState> {
  return {
    kind: 'Volume',
    resource: volumeResource,
    finalizer: volumeFinalizer,
    client: volumeClient(deps, deps.observer),
    readSpec(obj, row) {
      const parsed = volumeSpecSchema.safeParse(obj.spec);
      const invalid = invalidSpec(volumeSpecProblems(obj, row));
      if (!invalid) return { spec: parsed.data! };
      // Once recorded, the volume keeps what was applied (no move, no resize) and the problem is shown beside it.
      return {
        invalid: invalid.message,
        spec: row && parsed.success ? recordedVolumeSpec(parsed.data, row) : undefined,
        // Drift is judged against what the spec asks for: a volume grown outside stays reported until the spec
        // is raised to its size or the drift is accepted.
        desired: parsed.success ? parsed.data : undefined,
      };
    },
    managementOf: policiesOf,
    driftRules: {},
    status: volumeStatus,
    phaseEvent(row, before) {
      const from = before.phase;
      if (row.phase === 'Failed')
        return {
          warning: true,
          reason: VolumeReasons.VolumeFailed,
          note: `failed (was ${from}): ${row.message ?? 'no reason given'}`,
        };
      if (row.phase !== 'Available') return undefined;
      if (from === 'Creating')
        return {
          warning: false,
          reason: VolumeReasons.Available,
          note: `${row.size_gib} GiB ${row.type} volume available in ${row.zone}`,
        };
      if (from === 'Resizing' && row.size_gib === before.size_gib)
        return {
          warning: true,
          reason: VolumeReasons.ResizeFailed,
          note: row.message ?? 'the resize failed',
        };
      if (from === 'Resizing')
        return {
          warning: false,
          reason: VolumeReasons.Resizing,
          note: `grown from ${before.size_gib} to ${row.size_gib} GiB`,
        };
      return undefined;
    },
    reasons: {
      InvalidSpec: VolumeReasons.InvalidSpec,
      ProviderUnavailable: VolumeReasons.ProviderUnavailable,
    },
    observeIntervalMs: deps.observeIntervalMs ?? 30_000,
  };
}

export function volumeController(deps: VolumeDeps): ControllerSpec<VolumeObj> {
  return {
    ...managedController(volumeKind(deps), {
      pool: deps.pool,
      onOutbox: deps.onOutbox,
      observed: () => deps.observer?.active ?? false,
    }),
    // What a Compute attaches shows in its volumes' status (attachedTo), and a volume waiting to be deleted
    // until its Compute lets it go is woken when it does.
    watches: [{ resource: computeResource, keysFor: volumesOfCompute }],
  };
}

/** The keys of the volumes a Compute names or shows. Pure. */
export function volumesOfCompute(c: k8s.KubernetesObject): string[] {
  const obj = c as { spec?: { volumes?: { name: string }[] }; status?: { volumes?: { name: string }[] } };
  const names = new Set([...(obj.spec?.volumes ?? []), ...(obj.status?.volumes ?? [])].map((v) => v.name));
  return [...names].map((n) => `${c.metadata?.namespace}/${n}`);
}
