// What a ConfigSet version holds and how it is named: the content (data and flags, normalised), its canonical
// serialisation (keys sorted at every level, subject lists sorted and de-duplicated) and the sha256 of that,
// and the ConfigMap data it becomes. Pure.
import { createHash } from 'node:crypto';
import { flagsKey, type ConfigSetSpec, type Flag } from '../../crds/schemas/config-set.ts';

export interface ConfigContent {
  data: Record<string, string>;
  flags: Record<string, Flag>;
}

/** JSON with object keys sorted at every level, so equal content always serialises to equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const sortedUnique = (list: readonly string[] | undefined) =>
  list && list.length > 0 ? [...new Set(list)].sort() : undefined;

/** A flag as it is stored: the lists' order and repeats mean nothing, so they are dropped. */
export function normalizeFlag(flag: Flag): Flag {
  const out: Flag = { enabled: flag.enabled ?? true };
  if (flag.rollout !== undefined) out.rollout = flag.rollout;
  if (flag.salt !== undefined) out.salt = flag.salt;
  const allow = sortedUnique(flag.allow);
  const deny = sortedUnique(flag.deny);
  if (allow) out.allow = allow;
  if (deny) out.deny = deny;
  return out;
}

/** The content the spec's data and flags ask for. */
export function contentOf(spec: Pick<ConfigSetSpec, 'data' | 'flags'>): ConfigContent {
  const flags: Record<string, Flag> = {};
  for (const [name, flag] of Object.entries(spec.flags ?? {})) flags[name] = normalizeFlag(flag);
  return { data: { ...(spec.data ?? {}) }, flags };
}

export function contentHash(content: ConfigContent): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** The ConfigMap's data: every key of the content's data, and the flags as canonical JSON under flags.json. */
export function configMapData(content: ConfigContent): Record<string, string> {
  return { ...content.data, [flagsKey]: canonicalJson(content.flags) };
}

/** The bytes the ConfigMap's data takes (keys and values, UTF-8), which the API server limits to 1 MiB. */
export function configMapBytes(content: ConfigContent): number {
  let total = 0;
  for (const [k, v] of Object.entries(configMapData(content)))
    total += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
  return total;
}

/** What a reconcile aims at: the spec's own content, or an earlier version's (rollbackTo). Pure. */
export function desiredKey(spec: Pick<ConfigSetSpec, 'data' | 'flags' | 'rollbackTo'>): string {
  return spec.rollbackTo !== undefined
    ? `rollback:${spec.rollbackTo}`
    : `content:${contentHash(contentOf(spec))}`;
}
