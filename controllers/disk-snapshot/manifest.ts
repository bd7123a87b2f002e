// A snapshot's manifest in the object store: what it was taken of (volume, size, zone, time taken in UTC,
// tenant, the Volume's spec then), one JSON object per snapshot in one operator-owned bucket, under
// <tenant>/<uid>.json, with the same facts as the object's metadata. Written before the snapshot is Ready and
// removed (every version) with it; writing it again writes the same bytes, so a crash between the write and
// its record is harmless. The manifest is built by a pure function.
import type * as Minio from 'minio';
import type { VolumeSpec } from '../../crds/schemas/volume.ts';
import type { SnapshotRow } from './store.ts';

export const snapshotBucket = 'omnicloud-snapshots';

export interface SnapshotManifest {
  apiVersion: 'omnicloud.io/v1alpha1';
  kind: 'DiskSnapshotManifest';
  tenant: string;
  snapshot: { namespace: string; name: string; uid: string; providerId: string };
  source: { volume: string; volumeUid: string | null; providerId: string; spec: VolumeSpec | null };
  region: string;
  zone: string;
  sizeGiB: number;
  /** When the provider took the snapshot, UTC (RFC 3339). */
  createdAt: string;
}

/** The object key of a snapshot's manifest: by tenant, then by the object's uid (names are reused). */
export const manifestKey = (tenant: string, uid: string): string => `${tenant}/${uid}.json`;

/** The manifest of a snapshot the provider has taken (the row holds what it recorded). */
export function manifestOf(
  row: SnapshotRow,
  providerId: string,
  takenAt: Date,
  sizeGiB: number,
): SnapshotManifest {
  return {
    apiVersion: 'omnicloud.io/v1alpha1',
    kind: 'DiskSnapshotManifest',
    tenant: row.tenant,
    snapshot: { namespace: row.namespace, name: row.name, uid: row.uid, providerId },
    source: {
      volume: row.volume_name,
      volumeUid: row.volume_uid,
      providerId: row.volume_provider_id ?? '',
      spec: row.volume_spec,
    },
    region: row.region ?? '',
    zone: row.zone ?? '',
    sizeGiB,
    createdAt: takenAt.toISOString(),
  };
}

/** The object store could not be written or read; the snapshot waits and tries again. */
export class ManifestStoreError extends Error {}

export interface ManifestStore {
  put(key: string, manifest: SnapshotManifest): Promise<void>;
  remove(key: string): Promise<void>;
  /** The manifest at `key`, or undefined when there is none. */
  get(key: string): Promise<SnapshotManifest | undefined>;
  /** Where a key is, as status shows it. */
  location(key: string): string;
}

const isMissing = (err: unknown) => {
  const code = (err as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchBucket';
};

/** Wraps an object-store failure so that it reads as one, naming what was being done. */
async function storeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ManifestStoreError) throw err;
    const e = err as { code?: string; message?: string };
    throw new ManifestStoreError(`${what}: ${e.code ? `${e.code} ` : ''}${e.message ?? String(err)}`);
  }
}

/** The manifest store on an S3 server; the bucket is made the first time it is needed. */
export function s3ManifestStore(
  client: Minio.Client,
  region: string,
  bucket = snapshotBucket,
): ManifestStore {
  let ready: Promise<void> | undefined;
  const ensureBucket = () => {
    ready ??= storeCall(`making bucket ${bucket}`, async () => {
      if (!(await client.bucketExists(bucket))) {
        await client.makeBucket(bucket, region).catch((err: unknown) => {
          // Another replica made it first.
          const code = (err as { code?: string }).code;
          if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
        });
      }
    }).catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };
  return {
    async put(key, manifest) {
      await ensureBucket();
      const body = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      await storeCall(`writing s3://${bucket}/${key}`, () =>
        client.putObject(bucket, key, body, body.length, {
          'Content-Type': 'application/json',
          'X-Amz-Meta-Tenant': manifest.tenant,
          'X-Amz-Meta-Snapshot': `${manifest.snapshot.namespace}/${manifest.snapshot.name}`,
          'X-Amz-Meta-Provider-Id': manifest.snapshot.providerId,
          'X-Amz-Meta-Size-Gib': String(manifest.sizeGiB),
          'X-Amz-Meta-Created-At': manifest.createdAt,
        }),
      );
    },
    async remove(key) {
      await storeCall(`removing s3://${bucket}/${key}`, async () => {
        if (!(await client.bucketExists(bucket))) return;
        // Every version: in a versioned bucket a plain delete would only hide it behind a marker.
        const versions: { name: string; versionId?: string }[] = [];
        for await (const o of client.listObjects(bucket, key, false, { IncludeVersion: true })) {
          if (o.name === key) versions.push({ name: o.name, versionId: o.versionId ?? undefined });
        }
        for (const v of versions)
          await client.removeObject(bucket, v.name, v.versionId ? { versionId: v.versionId } : {});
        await client.removeObject(bucket, key);
      });
    },
    async get(key) {
      return storeCall(`reading s3://${bucket}/${key}`, async () => {
        try {
          const stream = await client.getObject(bucket, key);
          const chunks: Buffer[] = [];
          for await (const c of stream) chunks.push(c as Buffer);
          return JSON.parse(Buffer.concat(chunks).toString('utf8')) as SnapshotManifest;
        } catch (err) {
          if (isMissing(err)) return undefined;
          throw err;
        }
      });
    },
    location: (key) => `s3://${bucket}/${key}`,
  };
}
