// CEL for the kinds' x-kubernetes-validations: literals, messages, and the rules several kinds share (a zone
// inside its region, fields that keep their value once created). Each refusal is worded as the admission
// webhook words it, `<field>: <what is wrong and what is accepted>`, so the API server and the webhook say
// the same; where the field is an element of a list, the message names its index.
import type { CelRule } from '../generator/crd.ts';

/** A CEL string literal: single-quoted, with backslashes and quotes escaped. */
export const celString = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A message expression: `text` with its %s and %d filled in from the CEL expressions `args`, in order. */
export const celFormat = (text: string, args: readonly string[]): string =>
  `${celString(text)}.format([${args.join(', ')}])`;

/**
 * The first of `list`'s elements for which `cond` holds, as `value` gives it (its index by default); `cond`
 * and `value` see the element as s and its index as i. For messages, evaluated only when a rule has failed.
 */
export const first = (list: string, cond: string, value = 'i'): string =>
  `${list}.transformList(i, s, ${cond}, ${value})[0]`;

/**
 * Zones are named after their region (eu-west-1a in eu-west-1), as the providers OmniCloud drives name
 * them: the rule of webhooks/rules.ts zoneProblem, over CEL expressions for the zone and the region.
 */
export const zoneInRegion = (zone: string, region: string): string =>
  `(${zone}.startsWith(${region}) && size(${zone}) > size(${region}))`;

/** zoneProblem's words for `field` (which may hold a %d, filled from `lead`). */
export const zoneOutsideRegion = (field: string, zone: string, region: string, lead: readonly string[] = []) =>
  celFormat(`${field}: zone %s is not in region %s; zones of %s are named %sa, %sb and so on`, [
    ...lead,
    zone,
    region,
    region,
    region,
    region,
  ]);

/** How a spec field is held: always present (required or defaulted), or optional. */
export type Presence = 'present' | 'optional';

/**
 * A transition rule keeping the scalar spec.<path> as created (a rule placed on spec). An optional field may
 * not appear or disappear either. The refusal names the field and its old value, as the webhook does.
 */
export function unchanged(path: string, presence: Presence, advice: string): CelRule {
  const now = `self.${path}`;
  const was = `oldSelf.${path}`;
  const words = (old: string) => `spec.${path}: is immutable (was ${old}); ${advice}`;
  if (presence === 'present') {
    return {
      rule: `${now} == ${was}`,
      message: `spec.${path} is immutable; ${advice}`,
      messageExpression: celFormat(words('%s'), [was]),
    };
  }
  return {
    rule: `has(${now}) == has(${was}) && (!has(${now}) || ${now} == ${was})`,
    message: `spec.${path} is immutable; ${advice}`,
    messageExpression: `has(${was}) ? ${celFormat(words('%s'), [was])} : ${celString(words('unset'))}`,
  };
}

/** One rule per field, in the order given. */
export const unchangedFields = (fields: Record<string, Presence>, advice: string): CelRule[] =>
  Object.entries(fields).map(([path, presence]) => unchanged(path, presence, advice));

/**
 * A list's elements have distinct `key`s (a rule placed on the list, at spec.<path>). The refusal names the
 * second element with a key already used, as the webhook does; `words` may use %s (the key) and %d (the
 * index of the first element holding it).
 */
export function distinct(path: string, key: string, words: string, message: string): CelRule {
  const again = `self.exists(j, t, j < i && t.${key} == s.${key})`;
  return {
    rule: `self.all(i, s, self.all(j, t, j >= i || t.${key} != s.${key}))`,
    message,
    messageExpression: celFormat(`spec.${path}[%d].${key}: ${words}`, [
      first('self', again),
      first('self', again, `s.${key}`),
      ...(words.includes('%d') ? [first('self', again, `self.transformList(j, t, t.${key} == s.${key}, j)[0]`)] : []),
    ]),
  };
}
