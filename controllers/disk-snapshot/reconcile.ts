// The DiskSnapshot kind on the managed reconciler: a snapshot of a Volume of the same namespace, taken by the
// provider, with its manifest in the object store. It waits for its volume (woken when that volume changes),
// records the volume before asking the provider, and removes the snapshot and its manifest when deleted
// (deletionPolicy Delete) or leaves both (Orphan).
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import type { ControllerSpec } from '../../operator/controller.ts';
import { objectKey, type ResourceRef } from '../../operator/informer.ts';
import {
  diskSnapshotSpecSchema,
  type DiskSnapshot,
  type DiskSnapshotSpec,
} from '../../crds/schemas/disk-snapshot.ts';
import { validateDiskSnapshot } from '../../webhooks/disk-snapshot.ts';
import { invalidSpec } from '../invalid-spec.ts';
import type { ManagedKind } from '../managed/kind.ts';
import { policiesOf } from '../managed/policies.ts';
import { managedController } from '../managed/reconciler.ts';
import type { CloudProvider } from '../provider/types.ts';
import { volumeResource, type SnapshotSource, type VolumeObj } from '../volume/reconcile.ts';
import { snapshotClient, type SnapshotState } from './client.ts';
import { ManifestStoreError, type ManifestStore } from './manifest.ts';
import { SnapshotReasons, snapshotStatus } from './status.ts';
import type { SnapshotRow } from './store.ts';

export const diskSnapshotFinalizer = 'omnicloud.io/disk-snapshot-cleanup';
export const diskSnapshotResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'DiskSnapshot',
  plural: 'disksnapshots',
  namespaced: true,
};

export interface SnapshotDeps {
  pool: Pool;
  provider: CloudProvider;
  manifests: ManifestStore;
  /** The Volume of a namespace as the volume controller's cache has it. */
  sourceVolume(namespace: string, name: string): VolumeObj | undefined;
  onOutbox?: () => void;
  /** How often a ready snapshot is checked at the provider; 30 s by default. */
  observeIntervalMs?: number;
}

export type DiskSnapshotObj = DiskSnapshot & k8s.KubernetesObject;

export function diskSnapshotKind(
  deps: SnapshotDeps,
): ManagedKind<DiskSnapshotObj, DiskSnapshotSpec, SnapshotRow, SnapshotState> {
  return {
    kind: 'DiskSnapshot',
    resource: diskSnapshotResource,
    finalizer: diskSnapshotFinalizer,
    client: snapshotClient(deps),
    readSpec(obj, row) {
      const parsed = diskSnapshotSpecSchema.safeParse(obj.spec);
      const recorded =
        row && parsed.success ? { ...parsed.data, source: { volume: row.volume_name } } : undefined;
      const invalid = invalidSpec(
        validateDiskSnapshot(
          row ? 'UPDATE' : 'CREATE',
          obj,
          recorded ? { ...obj, spec: recorded } : undefined,
        ),
      );
      if (!invalid) return { spec: parsed.data! };
      return { invalid: invalid.message, spec: recorded };
    },
    managementOf: policiesOf,
    driftRules: {},
    status: (obj, row, problem, now) =>
      snapshotStatus(obj, row, problem, now, (key) => deps.manifests.location(key)),
    phaseEvent(row, before) {
      if (row.phase === 'Failed')
        return {
          warning: true,
          reason: SnapshotReasons.SnapshotFailed,
          note: `failed (was ${before.phase}): ${row.message ?? 'no reason given'}`,
        };
      if (row.phase === 'Ready')
        return {
          warning: false,
          reason: SnapshotReasons.Ready,
          note: `${row.size_gib} GiB snapshot ${row.provider_id} of volume ${row.volume_name} taken; manifest ${row.manifest_key}`,
        };
      return undefined;
    },
    problemOf(err) {
      if (err instanceof ManifestStoreError)
        return {
          reason: SnapshotReasons.S3Unavailable,
          message: `the object store (S3) could not keep the snapshot's manifest: ${err.message}; retrying`,
          retryMs: 5_000,
        };
      return undefined;
    },
    reasons: {
      InvalidSpec: SnapshotReasons.InvalidSpec,
      ProviderUnavailable: SnapshotReasons.ProviderUnavailable,
    },
    observeIntervalMs: deps.observeIntervalMs ?? 30_000,
  };
}

export function diskSnapshotController(deps: SnapshotDeps): ControllerSpec<DiskSnapshotObj> {
  return {
    ...managedController(diskSnapshotKind(deps), { pool: deps.pool, onOutbox: deps.onOutbox }),
    // A snapshot waiting for its volume is woken when the volume changes.
    watches: [
      {
        resource: volumeResource,
        keysFor: (vol, cache) =>
          cache
            .list(vol.metadata?.namespace)
            .filter(
              (snap) => snap.spec?.source?.volume === vol.metadata?.name && snap.status?.phase !== 'Ready',
            )
            .map(objectKey),
      },
    ],
  };
}

/** What a Volume restored from the snapshot needs of it, as its status shows it. */
export function restoreSourceOf(snap: DiskSnapshotObj | undefined): SnapshotSource | undefined {
  if (!snap) return undefined;
  return { phase: snap.status?.phase, providerId: snap.status?.providerId, sizeGiB: snap.status?.sizeGiB };
}
