// Pairing the items of an unordered list: by identity first (a field such as `name`, a function, or the whole
// value), then, among items of one identity, equal items with equal items, so that any reordering pairs every
// item with one equal to it. Items of one identity that are not equal are paired in list order (an edited
// rule is one edit, not a removal and an addition); the rest are missing or extra.
import { comparatorAt, isIgnored, type CompiledRules, type Identity } from './rules.ts';
import { field, isObject, scalarKey, type Scalar } from './equality.ts';
import type { Segment } from './paths.ts';

export interface Pairing {
  /** [index in desired, index in observed] */
  pairs: [number, number][];
  /** Indexes in desired with no observed item. */
  missing: number[];
  /** Indexes in observed with no desired item. */
  extra: number[];
}

/**
 * A key shared by every value equal to this one under the rules: ignored fields left out, fields with a
 * comparator taken as equal, lists as multisets, strings folded. It groups candidates; the comparison decides.
 */
export function valueKey(value: unknown, path: readonly Segment[], rules: CompiledRules): string {
  if (value === undefined) return '-';
  if (comparatorAt(rules, path)) return '*';
  if (Array.isArray(value))
    return `[${value
      .map((item: unknown, i) => valueKey(item, [...path, i], rules))
      .sort()
      .join(',')}]`;
  if (isObject(value)) {
    const fields = Object.keys(value)
      .filter((key) => value[key] !== undefined && !isIgnored(rules, [...path, key]))
      .sort()
      .map((key) => `${JSON.stringify(key)}:${valueKey(value[key], [...path, key], rules)}`);
    return `{${fields.join(',')}}`;
  }
  return scalarKey(value as Scalar);
}

/** The identity of each item of the list at listPath, as a key. */
export function identityKeys(
  items: readonly unknown[],
  listPath: readonly Segment[],
  identity: Identity,
  rules: CompiledRules,
): string[] {
  return items.map((item, i) => {
    if (typeof identity === 'function') return `f:${identity(item)}`;
    const fields = identity === null ? [] : typeof identity === 'string' ? [identity] : identity;
    if (fields.length > 0 && isObject(item) && fields.some((name) => field(item, name) !== undefined))
      return `k:${fields.map((name) => valueKey(field(item, name), [...listPath, i, name], rules)).join('|')}`;
    return `v:${valueKey(item, [...listPath, i], rules)}`;
  });
}

/** Kuhn's augmenting paths: the most pairs (desired, observed) among those `same` allows. */
function pairEqualItems(desired: number[], observed: number[], same: (i: number, j: number) => boolean) {
  const holderOf = new Map<number, number>();
  const place = (i: number, seen: Set<number>): boolean => {
    for (const j of observed) {
      if (seen.has(j) || !same(i, j)) continue;
      seen.add(j);
      const holder = holderOf.get(j);
      if (holder === undefined || place(holder, seen)) {
        holderOf.set(j, i);
        return true;
      }
    }
    return false;
  };
  for (const i of desired) place(i, new Set());
  return holderOf;
}

export function pairItems(
  desiredKeys: readonly string[],
  observedKeys: readonly string[],
  same: (i: number, j: number) => boolean,
): Pairing {
  const groups = new Map<string, { desired: number[]; observed: number[] }>();
  const group = (key: string) => {
    let found = groups.get(key);
    if (!found) groups.set(key, (found = { desired: [], observed: [] }));
    return found;
  };
  desiredKeys.forEach((key, i) => group(key).desired.push(i));
  observedKeys.forEach((key, j) => group(key).observed.push(j));

  const pairing: Pairing = { pairs: [], missing: [], extra: [] };
  for (const { desired, observed } of groups.values()) {
    if (desired.length === 1 && observed.length === 1) {
      pairing.pairs.push([desired[0]!, observed[0]!]);
      continue;
    }
    const holderOf = pairEqualItems(desired, observed, same);
    for (const [j, i] of holderOf) pairing.pairs.push([i, j]);
    const held = new Set(holderOf.values());
    const lonelyDesired = desired.filter((i) => !held.has(i));
    const lonelyObserved = observed.filter((j) => !holderOf.has(j));
    const paired = Math.min(lonelyDesired.length, lonelyObserved.length);
    for (let k = 0; k < paired; k++) pairing.pairs.push([lonelyDesired[k]!, lonelyObserved[k]!]);
    pairing.missing.push(...lonelyDesired.slice(paired));
    pairing.extra.push(...lonelyObserved.slice(paired));
  }
  return pairing;
}
