// The semantic comparison of a resource's desired state (from the spec) with what the outside system reports,
// as drift records with full field paths. Pure: JSON values and rules in, records out, in path order.
import { rootPath, renderPath, type Segment } from './paths.ts';
import { compareRecords, type DriftRecord } from './record.ts';
import { field, scalarsEqual, scalarTypesDiffer, shapeOf, type Scalar } from './equality.ts';
import { redact } from './redact.ts';
import {
  comparatorAt,
  compileRules,
  isCaseInsensitive,
  isIgnored,
  unorderedIdentityAt,
  type CompiledRules,
  type DriftRules,
} from './rules.ts';
import { severityOf, type Finding } from './severity.ts';
import { identityKeys, pairItems } from './unordered.ts';

interface Walk {
  rules: CompiledRules;
  /** The observed item of the nearest ingress list above, for the world-open rule. */
  ingressItem?: unknown;
}

export function compare(desired: unknown, observed: unknown, rules: DriftRules = {}): DriftRecord[] {
  if (desired === undefined && observed === undefined) return [];
  // A whole resource missing or extra is one record, not one per field.
  if (observed === undefined) return [{ path: rootPath, type: 'resource_missing', severity: 'functional' }];
  if (desired === undefined) return [{ path: rootPath, type: 'resource_extra', severity: 'functional' }];
  const compiled = compileRules(rules);
  const findings: Finding[] = [];
  compareValues(desired, observed, [], { rules: compiled }, findings);
  return findings.map((finding) => toRecord(finding, compiled)).sort(compareRecords);
}

function toRecord(finding: Finding, rules: CompiledRules): DriftRecord {
  const path = renderPath(finding.path);
  const shown: Omit<DriftRecord, 'severity'> = { path, type: finding.type };
  if ('desired' in finding) shown.desired = finding.desired;
  if ('actual' in finding) shown.actual = finding.actual;
  const severity = severityOf(finding, shown, rules);
  const record: DriftRecord = { path, type: finding.type, severity };
  if ('desired' in finding) record.desired = redact(finding.desired, finding.path, rules);
  if ('actual' in finding) record.actual = redact(finding.actual, finding.path, rules);
  return record;
}

/** Both values present: the same, or the differences below them. */
function compareValues(desired: unknown, actual: unknown, path: Segment[], walk: Walk, out: Finding[]): void {
  const found = (type: Finding['type']) =>
    out.push({ path, type, desired, actual, ingressItem: walk.ingressItem });
  const comparator = comparatorAt(walk.rules, path);
  if (comparator) {
    if (!comparator(desired, actual)) found('value_changed');
    return;
  }
  const shape = shapeOf(desired);
  if (shape !== shapeOf(actual)) {
    found('type_mismatch');
  } else if (shape === 'scalar') {
    const [d, a] = [desired as Scalar, actual as Scalar];
    if (!scalarsEqual(d, a, isCaseInsensitive(walk.rules, path)))
      found(scalarTypesDiffer(d, a) ? 'type_mismatch' : 'value_changed');
  } else if (shape === 'object') {
    const [d, a] = [desired as Record<string, unknown>, actual as Record<string, unknown>];
    const keys = new Set([...Object.keys(d), ...Object.keys(a)]);
    for (const key of keys) compareField(field(d, key), field(a, key), [...path, key], walk, out);
  } else {
    compareLists(desired as unknown[], actual as unknown[], path, walk, out);
  }
}

/** The walk below an item of an ingress list carries the observed item, for the world-open rule. */
function below(path: Segment[], actual: unknown, walk: Walk): Walk {
  const ingressItem = path.at(-2) === 'ingress' && typeof path.at(-1) === 'number';
  return ingressItem ? { ...walk, ingressItem: actual } : walk;
}

/** One field or list item, either side possibly absent. `null` is a value, never an absence. */
function compareField(desired: unknown, actual: unknown, path: Segment[], walk: Walk, out: Finding[]): void {
  if (isIgnored(walk.rules, path) || (desired === undefined && actual === undefined)) return;
  const inner = below(path, actual, walk);
  if (desired === undefined) out.push({ path, type: 'key_added', actual, ingressItem: inner.ingressItem });
  else if (actual === undefined)
    out.push({ path, type: 'key_removed', desired, ingressItem: inner.ingressItem });
  else compareValues(desired, actual, path, inner, out);
}

function compareLists(
  desired: unknown[],
  actual: unknown[],
  path: Segment[],
  walk: Walk,
  out: Finding[],
): void {
  const unordered = unorderedIdentityAt(walk.rules, path);
  if (!unordered) {
    for (let i = 0; i < Math.max(desired.length, actual.length); i++)
      compareField(desired[i], actual[i], [...path, i], walk, out);
    return;
  }
  const same = (i: number, j: number) => {
    const differences: Finding[] = [];
    compareField(desired[i], actual[j], [...path, i], walk, differences);
    return differences.length === 0;
  };
  const { pairs, missing, extra } = pairItems(
    identityKeys(desired, path, unordered.identity, walk.rules),
    identityKeys(actual, path, unordered.identity, walk.rules),
    same,
  );
  // A paired item is named by its index in the spec, which is where a reader looks for it.
  for (const [i, j] of pairs) compareField(desired[i], actual[j], [...path, i], walk, out);
  for (const i of missing) {
    const itemPath = [...path, i];
    if (isIgnored(walk.rules, itemPath)) continue;
    const { ingressItem } = below(itemPath, undefined, walk);
    out.push({ path: itemPath, type: 'resource_missing', desired: desired[i], ingressItem });
  }
  for (const j of extra) {
    const itemPath = [...path, j];
    if (isIgnored(walk.rules, itemPath)) continue;
    const { ingressItem } = below(itemPath, actual[j], walk);
    out.push({ path: itemPath, type: 'resource_extra', actual: actual[j], ingressItem });
  }
}
