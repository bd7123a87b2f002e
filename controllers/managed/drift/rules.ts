// The per-kind rules a comparison takes, registered by path pattern (`securityGroups[].ingress`), and their
// lookups by path. A kind writes them once as data; they are parsed once per comparison.
import type { DriftSeverity } from '../../../crds/schemas/managed.ts';
import type { DriftRecord } from './record.ts';
import { coversPath, matchesPath, parsePattern, type Pattern, type Segment } from './paths.ts';

/**
 * How items of an unordered list are told apart: a field name (`'name'`), several (`['protocol', 'ports',
 * 'cidr']`, compared semantically like any value), a function of the item, or null to match items by their
 * whole value.
 */
export type Identity = string | readonly string[] | ((item: unknown) => string) | null;

/** True when the two values mean the same, by the kind's own measure. */
export type Comparator = (desired: unknown, actual: unknown) => boolean;

export type SeverityRule = DriftSeverity | ((record: Omit<DriftRecord, 'severity'>) => DriftSeverity);

export interface DriftRules {
  /** Lists compared as sets, matched by identity; reordering them is no drift. */
  unordered?: Readonly<Record<string, Identity>>;
  /** Fields compared by a function instead of semantic equality. */
  comparators?: Readonly<Record<string, Comparator>>;
  /** Fields (and everything below them) whose strings are compared ignoring case. */
  caseInsensitive?: readonly string[];
  /** Fields never compared, such as those the outside system adds about itself. */
  ignore?: readonly string[];
  /** Fields whose values are compared but never shown: records carry `(redacted)` in their place. */
  sensitive?: readonly string[];
  /** Severity of records at or below a field; the longest pattern wins. */
  severity?: Readonly<Record<string, SeverityRule>>;
}

export const redacted = '(redacted)';

interface Registered<T> {
  pattern: Pattern;
  value: T;
}

export interface CompiledRules {
  unordered: Registered<Identity>[];
  comparators: Registered<Comparator>[];
  caseInsensitive: Pattern[];
  ignore: Pattern[];
  sensitive: Pattern[];
  /** Longest pattern first, so the first that covers a path is the one that wins. */
  severity: Registered<SeverityRule>[];
}

function registered<T>(byPattern: Readonly<Record<string, T>> = {}): Registered<T>[] {
  return Object.entries(byPattern).map(([pattern, value]) => ({ pattern: parsePattern(pattern), value }));
}

export function compileRules(rules: DriftRules = {}): CompiledRules {
  return {
    unordered: registered(rules.unordered),
    comparators: registered(rules.comparators),
    caseInsensitive: (rules.caseInsensitive ?? []).map(parsePattern),
    ignore: (rules.ignore ?? []).map(parsePattern),
    sensitive: (rules.sensitive ?? []).map(parsePattern),
    severity: registered(rules.severity).sort((a, b) => b.pattern.length - a.pattern.length),
  };
}

/** The identity of the unordered list at this path, or undefined when the list is ordered. */
export function unorderedIdentityAt(
  rules: CompiledRules,
  path: readonly Segment[],
): { identity: Identity } | undefined {
  const rule = rules.unordered.find((r) => matchesPath(r.pattern, path));
  return rule && { identity: rule.value };
}

export function comparatorAt(rules: CompiledRules, path: readonly Segment[]): Comparator | undefined {
  return rules.comparators.find((r) => matchesPath(r.pattern, path))?.value;
}

export function isIgnored(rules: CompiledRules, path: readonly Segment[]): boolean {
  return rules.ignore.some((pattern) => coversPath(pattern, path));
}

export function isCaseInsensitive(rules: CompiledRules, path: readonly Segment[]): boolean {
  return rules.caseInsensitive.some((pattern) => coversPath(pattern, path));
}

export function isSensitive(rules: CompiledRules, path: readonly Segment[]): boolean {
  return rules.sensitive.some((pattern) => coversPath(pattern, path));
}

/** The severity rule of the longest pattern covering the path. */
export function severityRuleAt(rules: CompiledRules, path: readonly Segment[]): SeverityRule | undefined {
  return rules.severity.find((r) => coversPath(r.pattern, path))?.value;
}
