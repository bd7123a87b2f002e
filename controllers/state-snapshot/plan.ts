// What a restore would do: for every object in a snapshot, create it (absent now), update it (its spec,
// labels or annotations differ from now) or leave it (unchanged). Objects that exist now but not in the
// snapshot are listed and left alone: a restore puts back, it never deletes. Pure.
import { isDeepStrictEqual } from 'node:util';
import type { SnapshotObject } from './document.ts';

export type PlanAction = 'create' | 'update' | 'unchanged';

export interface PlanEntry {
  action: PlanAction;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** For an update: which of spec, labels, annotations differ. */
  differs?: ('spec' | 'labels' | 'annotations')[];
}

export interface RestorePlan {
  entries: PlanEntry[];
  /** Objects present now that the snapshot does not have (kind/namespace/name); left alone. */
  notInSnapshot: string[];
}

export interface LiveObject {
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
}

const keyOf = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

/** True when every entry of `wanted` is in `have` with the same value (others may add their own). */
function holds(
  wanted: Record<string, string> | undefined,
  have: Record<string, string> | undefined,
): boolean {
  return Object.entries(wanted ?? {}).every(([k, v]) => have?.[k] === v);
}

export function restorePlan(snapshot: SnapshotObject[], live: LiveObject[]): RestorePlan {
  const now = new Map(
    live.map((o) => [keyOf(o.kind ?? '', o.metadata?.namespace ?? '', o.metadata?.name ?? ''), o]),
  );
  const entries: PlanEntry[] = [];
  const seen = new Set<string>();
  for (const o of snapshot) {
    const key = keyOf(o.kind, o.metadata.namespace, o.metadata.name);
    seen.add(key);
    const base = {
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.metadata.namespace,
      name: o.metadata.name,
    };
    const current = now.get(key);
    if (!current) {
      entries.push({ action: 'create', ...base });
      continue;
    }
    const differs: PlanEntry['differs'] = [];
    if (!isDeepStrictEqual(o.spec ?? null, current.spec ?? null)) differs.push('spec');
    if (!holds(o.metadata.labels, current.metadata?.labels)) differs.push('labels');
    if (!holds(o.metadata.annotations, current.metadata?.annotations)) differs.push('annotations');
    entries.push(
      differs.length > 0 ? { action: 'update', ...base, differs } : { action: 'unchanged', ...base },
    );
  }
  const notInSnapshot = [...now.keys()].filter((k) => !seen.has(k)).sort();
  return { entries, notInSnapshot };
}

/** The body server-side applied for an object: only what a user declares (no status, no server fields). */
export function applyBody(o: SnapshotObject): Record<string, unknown> {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      ...(o.metadata.labels ? { labels: o.metadata.labels } : {}),
      ...(o.metadata.annotations ? { annotations: o.metadata.annotations } : {}),
    },
    ...(o.spec === undefined ? {} : { spec: o.spec }),
  };
}

/** One line per entry, for a dry run: `update Compute tenant-acme/web-1 (spec)`. */
export function planLines(plan: RestorePlan): string[] {
  const lines = plan.entries.map(
    (e) =>
      `${e.action.padEnd(9)} ${e.kind} ${e.namespace}/${e.name}${e.differs ? ` (${e.differs.join(', ')})` : ''}`,
  );
  for (const k of plan.notInSnapshot)
    lines.push(`kept      ${k.replace('/', ' ')} (not in the snapshot; left alone)`);
  const count = (a: PlanAction) => plan.entries.filter((e) => e.action === a).length;
  lines.push(`${count('create')} to create, ${count('update')} to update, ${count('unchanged')} unchanged`);
  return lines;
}
