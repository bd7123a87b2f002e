// The tenant's storage quota, enforced where storage is taken: when a volume is created and when it grows,
// inside that transaction, under a per-namespace lock, against what the tenant's other volumes hold.
// Admission checks it too, but only this check is atomic.
import type { PoolClient } from 'pg';
import type { VolumeRow } from './store.ts';

export interface StorageLimit {
  tenant: string;
  storageGiB: number;
}

export class StorageQuotaExceeded extends Error {}

/** Phases in which a volume holds storage at the provider, or may (Failed keeps what it had). */
const holding = ['Creating', 'Available', 'Resizing', 'Failed', 'Deleting'];

export async function checkStorageQuota(
  client: PoolClient,
  row: VolumeRow,
  wantGiB: number,
  limit: StorageLimit,
): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`quota/storage/${row.namespace}`]);
  const { rows } = await client.query<{ gib: number }>(
    `SELECT COALESCE(sum(requested_gib), 0)::int AS gib FROM volumes
      WHERE namespace = $1 AND uid <> $2 AND phase = ANY($3)`,
    [row.namespace, row.uid, holding],
  );
  const used = rows[0]!.gib;
  if (used + wantGiB > limit.storageGiB) {
    throw new StorageQuotaExceeded(
      `tenant ${limit.tenant} has ${used} of ${limit.storageGiB} GiB of storage in use; this volume needs ${wantGiB} GiB. Raise spec.quotas.storage on the Tenant or delete another volume`,
    );
  }
}
