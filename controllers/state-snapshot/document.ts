// What a state snapshot holds, and its serialised form: canonical JSON (keys sorted, so the same state always
// gives the same bytes), gzip-compressed. Objects keep what a user declared and what the operator observed
// (spec, labels, annotations, status); the fields the API server sets are dropped. Pure.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

export const formatVersion = 1;

export interface SnapshotObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
  status?: unknown;
}

export interface StateSnapshot {
  formatVersion: number;
  id: string;
  tenant: string;
  takenAt: string;
  namespaces: string[];
  objects: SnapshotObject[];
  /** infra_db rows by table, each row as PostgreSQL's row_to_json gives it. */
  tables: Record<string, Record<string, unknown>[]>;
}

/** The small object written last: its presence is what makes a snapshot exist. */
export interface SnapshotManifest {
  formatVersion: number;
  id: string;
  tenant: string;
  takenAt: string;
  dataKey: string;
  /** Compressed size in bytes. */
  sizeBytes: number;
  sha256: string;
  objectCount: number;
  rowCount: number;
}

/** Annotations a client writes as a copy of the object itself; restoring them would only confuse it. */
const droppedAnnotations = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

/** An object as read from the API server, reduced to what a snapshot keeps. */
export function snapshotObject(raw: {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
  status?: unknown;
}): SnapshotObject {
  const m = raw.metadata ?? {};
  const annotations = Object.fromEntries(
    Object.entries(m.annotations ?? {}).filter(([k]) => !droppedAnnotations.has(k)),
  );
  return {
    apiVersion: raw.apiVersion ?? '',
    kind: raw.kind ?? '',
    metadata: {
      name: m.name ?? '',
      namespace: m.namespace ?? '',
      ...(m.labels && Object.keys(m.labels).length > 0 ? { labels: m.labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    ...(raw.spec === undefined ? {} : { spec: raw.spec }),
    ...(raw.status === undefined ? {} : { status: raw.status }),
  };
}

/** Column names whose values would be secret material: never written, whatever table holds them. */
const secretColumn = /secret|password|passwd|token|credential|private_?key|access_?key/i;

export function withoutSecrets(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([k]) => !secretColumn.test(k)));
}

const byKey = (a: SnapshotObject, b: SnapshotObject) =>
  `${a.kind}/${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
    `${b.kind}/${b.metadata.namespace}/${b.metadata.name}`,
  );

/** JSON with every object's keys in sorted order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function encodeSnapshot(s: StateSnapshot): Buffer {
  const sorted = { ...s, objects: [...s.objects].sort(byKey) };
  return gzipSync(Buffer.from(canonicalJson(sorted), 'utf8'), { level: 6 });
}

export function decodeSnapshot(data: Buffer): StateSnapshot {
  const parsed = JSON.parse(gunzipSync(data).toString('utf8')) as StateSnapshot;
  if (parsed.formatVersion !== formatVersion) {
    throw new Error(`snapshot format ${String(parsed.formatVersion)} is not ${formatVersion}`);
  }
  return parsed;
}

export function manifestOf(s: StateSnapshot, dataKey: string, data: Buffer): SnapshotManifest {
  return {
    formatVersion,
    id: s.id,
    tenant: s.tenant,
    takenAt: s.takenAt,
    dataKey,
    sizeBytes: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    objectCount: s.objects.length,
    rowCount: Object.values(s.tables).reduce((n, rows) => n + rows.length, 0),
  };
}

/** Throws unless `data` is what the manifest says was written. */
export function checkData(m: SnapshotManifest, data: Buffer): void {
  const sha = createHash('sha256').update(data).digest('hex');
  if (sha !== m.sha256 || data.length !== m.sizeBytes) {
    throw new Error(`snapshot ${m.id}: data does not match its manifest (size or sha256 differ)`);
  }
}
