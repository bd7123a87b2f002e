// Cost by tags: totals of cost lines grouped by one label's value, and Kubernetes-style label selectors to
// pick the lines that count. A line without the label is grouped under "(untagged)", so totals still add
// up to the whole; a label present with an empty value is a value of its own ("").
import type { Decimal } from 'decimal.js';
import {
  labelSelectorSchema,
  type LabelSelector,
  type SelectorRequirement,
} from '../../../crds/schemas/common.ts';
import { toDec, ZERO } from './money.ts';

export type { LabelSelector, SelectorRequirement };

export const untagged = '(untagged)';

export interface CostLine {
  amount: Decimal;
  labels?: Record<string, string>;
}

function labelOf(labels: Record<string, string> | undefined, key: string): string | undefined {
  return labels && Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/**
 * Refuses a selector the schema refuses (In or NotIn without values, say) before it is matched against
 * anything: checked while matching, a bad expression would pass unnoticed whenever matchLabels, an earlier
 * expression or an empty list of lines decided first.
 */
export function assertSelector(selector: LabelSelector): LabelSelector {
  const parsed = labelSelectorSchema.safeParse(selector);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${['selector', ...i.path].join('.')}: ${i.message}`);
    throw new RangeError(`invalid label selector: ${issues.join('; ')}`);
  }
  return selector;
}

function meets(labels: Record<string, string> | undefined, req: SelectorRequirement): boolean {
  const value = labelOf(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      // As in Kubernetes: a line without the label is "not in" any set of values.
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}

/** The match itself, for a selector already checked. */
function matchesChecked(labels: Record<string, string> | undefined, selector: LabelSelector): boolean {
  for (const [key, want] of Object.entries(selector.matchLabels ?? {})) {
    if (labelOf(labels, key) !== want) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => meets(labels, req));
}

export function matchesSelector(
  labels: Record<string, string> | undefined,
  selector: LabelSelector,
): boolean {
  return matchesChecked(labels, assertSelector(selector));
}

export function filterBySelector<T extends CostLine>(lines: T[], selector: LabelSelector): T[] {
  assertSelector(selector);
  return lines.filter((line) => matchesChecked(line.labels, selector));
}

/** Total per value of `key`, missing label → "(untagged)"; optionally only over lines the selector picks. */
export function costByTag(
  lines: CostLine[],
  key: string,
  selector: LabelSelector = {},
): Map<string, Decimal> {
  const totals = new Map<string, Decimal>();
  for (const line of filterBySelector(lines, selector)) {
    const group = labelOf(line.labels, key) ?? untagged;
    totals.set(group, (totals.get(group) ?? ZERO).plus(toDec(line.amount)));
  }
  return totals;
}
