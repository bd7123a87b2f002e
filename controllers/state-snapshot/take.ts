// Takes one snapshot of a tenant: reads its state, writes data then marker.
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import { collectSnapshot } from './collect.ts';
import type { SnapshotManifest } from './document.ts';
import { newSnapshotId, writeSnapshot, type SnapshotStore } from './store.ts';

export async function takeSnapshot(
  kc: k8s.KubeConfig,
  infra: Pool,
  store: SnapshotStore,
  tenant: string,
  now: Date,
): Promise<SnapshotManifest> {
  const snapshot = await collectSnapshot(kc, infra, tenant, newSnapshotId(now), now);
  return writeSnapshot(store, snapshot);
}
