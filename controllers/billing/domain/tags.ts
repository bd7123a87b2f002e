// Cost by tags: totals of cost lines grouped by one label's value, and Kubernetes-style label selectors to
// pick the lines that count. A line without the label is grouped under "(untagged)", so totals still add
// up to the whole; a label present with an empty value is a value of its own ("").
import type { Decimal } from 'decimal.js';
import { toDec, ZERO } from './money.ts';

export const untagged = '(untagged)';

export interface CostLine {
  amount: Decimal;
  labels?: Record<string, string>;
}

export interface SelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** matchLabels and matchExpressions are ANDed, as in Kubernetes; an empty selector matches everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: SelectorRequirement[];
}

function labelOf(labels: Record<string, string> | undefined, key: string): string | undefined {
  return labels && Object.hasOwn(labels, key) ? labels[key] : undefined;
}

function meets(labels: Record<string, string> | undefined, req: SelectorRequirement): boolean {
  const value = labelOf(labels, req.key);
  const values = req.values ?? [];
  if ((req.operator === 'In' || req.operator === 'NotIn') && values.length === 0) {
    throw new RangeError(`selector ${req.operator} on ${req.key} needs values`);
  }
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

export function matchesSelector(
  labels: Record<string, string> | undefined,
  selector: LabelSelector,
): boolean {
  for (const [key, want] of Object.entries(selector.matchLabels ?? {})) {
    if (labelOf(labels, key) !== want) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => meets(labels, req));
}

export function filterBySelector<T extends CostLine>(lines: T[], selector: LabelSelector): T[] {
  return lines.filter((line) => matchesSelector(line.labels, selector));
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
