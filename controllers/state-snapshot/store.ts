// State snapshots in the operator's bucket: data first, marker last, so a snapshot is listed only once it is
// whole; removal goes the other way (marker first), so a listed snapshot always has its data.
import { randomBytes } from 'node:crypto';
import type * as Minio from 'minio';
import {
  checkData,
  decodeSnapshot,
  encodeSnapshot,
  manifestOf,
  type SnapshotManifest,
  type StateSnapshot,
} from './document.ts';
import { dataKey, dataPrefix, idOfKey, markerKey, markerPrefix, snapshotBucket, snapshotId } from './keys.ts';
import { orphanedData, toPrune } from './retention.ts';

/** How long a data object may wait for its marker before pruning takes it for a dead writer's. */
export const orphanGraceMs = 3_600_000;

export interface SnapshotStore {
  client: Minio.Client;
  bucket: string;
  region: string;
}

export const snapshotStore = (
  client: Minio.Client,
  region: string,
  bucket = snapshotBucket,
): SnapshotStore => ({
  client,
  bucket,
  region,
});

export async function ensureBucket(client: Minio.Client, bucket: string, region: string): Promise<void> {
  if (await client.bucketExists(bucket)) return;
  try {
    await client.makeBucket(bucket, region);
  } catch (err) {
    // Another writer made it between the two calls.
    const code = (err as { code?: string }).code;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
  }
}

export const newSnapshotId = (now: Date): string => snapshotId(now, randomBytes(4).toString('hex'));

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/**
 * Writes a snapshot: its data under its own key, then its marker. `beforeMarker` runs between the two (a caller
 * that must stop there, such as a cancelled schedule, throws from it and no snapshot is shown).
 */
export async function writeSnapshot(
  store: SnapshotStore,
  snapshot: StateSnapshot,
  beforeMarker?: () => void | Promise<void>,
): Promise<SnapshotManifest> {
  await ensureBucket(store.client, store.bucket, store.region);
  const data = encodeSnapshot(snapshot);
  const key = dataKey(snapshot.tenant, snapshot.id);
  await store.client.putObject(store.bucket, key, data, data.length, { 'Content-Type': 'application/gzip' });
  await beforeMarker?.();
  const manifest = manifestOf(snapshot, key, data);
  const body = Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8');
  await store.client.putObject(store.bucket, markerKey(snapshot.tenant, snapshot.id), body, body.length, {
    'Content-Type': 'application/json',
  });
  return manifest;
}

async function keysUnder(
  store: SnapshotStore,
  prefix: string,
): Promise<{ key: string; lastModified: Date }[]> {
  if (!(await store.client.bucketExists(store.bucket))) return [];
  const out: { key: string; lastModified: Date }[] = [];
  for await (const o of store.client.listObjectsV2(
    store.bucket,
    prefix,
    true,
  ) as AsyncIterable<Minio.BucketItem>) {
    if (o.name) out.push({ key: o.name, lastModified: o.lastModified ?? new Date(0) });
  }
  return out;
}

/** The tenant's whole snapshots (those with a marker), oldest first. */
export async function listSnapshots(store: SnapshotStore, tenant: string): Promise<SnapshotManifest[]> {
  const markers = await keysUnder(store, markerPrefix(tenant));
  const manifests: SnapshotManifest[] = [];
  for (const m of markers) {
    if (!idOfKey(m.key)) continue;
    manifests.push(
      JSON.parse((await readAll(await store.client.getObject(store.bucket, m.key))).toString('utf8')),
    );
  }
  return manifests.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export class SnapshotNotFound extends Error {}

export async function readManifest(
  store: SnapshotStore,
  tenant: string,
  id: string,
): Promise<SnapshotManifest> {
  try {
    const raw = await readAll(await store.client.getObject(store.bucket, markerKey(tenant, id)));
    return JSON.parse(raw.toString('utf8')) as SnapshotManifest;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchBucket') {
      throw new SnapshotNotFound(`no snapshot ${id} of tenant ${tenant}`);
    }
    throw err;
  }
}

/** A whole snapshot, checked against its manifest. */
export async function readSnapshot(store: SnapshotStore, tenant: string, id: string): Promise<StateSnapshot> {
  const manifest = await readManifest(store, tenant, id);
  const data = await readAll(await store.client.getObject(store.bucket, manifest.dataKey));
  checkData(manifest, data);
  return decodeSnapshot(data);
}

export async function removeSnapshot(store: SnapshotStore, tenant: string, id: string): Promise<void> {
  await store.client.removeObject(store.bucket, markerKey(tenant, id));
  await store.client.removeObject(store.bucket, dataKey(tenant, id));
}

/** Keeps the `keep` newest snapshots and removes the rest, and data a dead writer left; returns removed ids. */
export async function pruneSnapshots(
  store: SnapshotStore,
  tenant: string,
  keep: number,
  now: Date,
  graceMs = orphanGraceMs,
): Promise<string[]> {
  const markers = (await keysUnder(store, markerPrefix(tenant)))
    .map((m) => idOfKey(m.key))
    .filter((id): id is string => id !== undefined);
  const removed = toPrune(markers, keep);
  for (const id of removed) await removeSnapshot(store, tenant, id);
  const data = (await keysUnder(store, dataPrefix(tenant)))
    .map((d) => ({ id: idOfKey(d.key), lastModified: d.lastModified }))
    .filter((d): d is { id: string; lastModified: Date } => d.id !== undefined);
  for (const id of orphanedData(data, new Set(markers), now, graceMs)) {
    await store.client.removeObject(store.bucket, dataKey(tenant, id));
  }
  return removed;
}
