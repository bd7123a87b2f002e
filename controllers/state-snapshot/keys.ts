// Where state snapshots live in the operator's bucket, and how they are named. Pure.
//
// A snapshot is two objects: its data (`tenants/<t>/data/<id>.json.gz`) written first, and its marker
// (`tenants/<t>/snapshots/<id>.json`, the manifest) written last. Only markers are listed, so a snapshot
// whose writer died between the two is never shown; its data is an orphan that pruning removes later.

export const snapshotBucket = 'omnicloud-state-snapshots';

/** An id that sorts by the UTC time it was taken: 20261203T081500123Z-1a2b3c4d. */
export function snapshotId(now: Date, random: string): string {
  if (!/^[0-9a-f]{8}$/.test(random)) throw new Error('random part must be 8 hex digits');
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}-${random}`;
}

const idPattern = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

export const isSnapshotId = (id: string): boolean => idPattern.test(id);

/** The UTC time an id was taken at. */
export function takenAtOf(id: string): Date {
  if (!isSnapshotId(id)) throw new Error(`not a snapshot id: ${id}`);
  const s = id.slice(0, 18);
  return new Date(
    `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`,
  );
}

const tenantPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function tenantPrefix(tenant: string): string {
  if (!tenantPattern.test(tenant) || tenant.length > 63) throw new Error(`not a tenant name: ${tenant}`);
  return `tenants/${tenant}/`;
}

export const dataPrefix = (tenant: string): string => `${tenantPrefix(tenant)}data/`;
export const markerPrefix = (tenant: string): string => `${tenantPrefix(tenant)}snapshots/`;
export const dataKey = (tenant: string, id: string): string => `${dataPrefix(tenant)}${id}.json.gz`;
export const markerKey = (tenant: string, id: string): string => `${markerPrefix(tenant)}${id}.json`;

/** The id a data or marker key names, or undefined for any other key. */
export function idOfKey(key: string): string | undefined {
  const m = /\/(?:data|snapshots)\/([^/]+?)\.json(?:\.gz)?$/.exec(key);
  return m && isSnapshotId(m[1]!) ? m[1] : undefined;
}
