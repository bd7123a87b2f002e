// How serious a difference is. Kinds choose by rule (labels cosmetic, say); two rules are built in and always
// on, and a kind's rule can raise a severity above them but never lower it below them:
// - anything that opens ingress to the world (0.0.0.0/0 or ::/0) is critical;
// - any other change under securityGroups, ingress or egress is security.
import type { DriftSeverity } from '../../../crds/schemas/managed.ts';
import { isObject, isWorldCidr } from './equality.ts';
import { passesThrough, type Segment } from './paths.ts';
import { severityRank, type DriftRecord } from './record.ts';
import { severityRuleAt, type CompiledRules } from './rules.ts';

const securitySections: ReadonlySet<string> = new Set(['securityGroups', 'ingress', 'egress']);

/** The value is, or holds somewhere inside it, a CIDR that takes in every address. */
export function carriesWorldCidr(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(carriesWorldCidr);
  if (isObject(value)) return Object.values(value).some(carriesWorldCidr);
  return isWorldCidr(value);
}

/** Somewhere inside the value, an ingress list lets the world in (a whole security group added, say). */
function holdsWorldIngress(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsWorldIngress);
  if (!isObject(value)) return false;
  return Object.entries(value).some(([key, v]) =>
    key === 'ingress' ? carriesWorldCidr(v) : holdsWorldIngress(v),
  );
}

export interface Finding extends Omit<DriftRecord, 'path' | 'severity'> {
  path: readonly Segment[];
  /** The observed item of the nearest ingress list the path goes through, if any. */
  ingressItem?: unknown;
}

/**
 * The finding lets the world in through an ingress rule: the observed rule it lies in, or the value it adds or
 * changes, carries a world CIDR. A changed port on a rule open to the world opens that port to the world.
 */
export function opensToWorld(finding: Finding): boolean {
  if (passesThrough(finding.path, new Set(['ingress'])))
    return carriesWorldCidr(finding.ingressItem) || carriesWorldCidr(finding.actual);
  return holdsWorldIngress(finding.actual);
}

function builtInSeverity(finding: Finding): DriftSeverity {
  if (opensToWorld(finding)) return 'critical';
  return passesThrough(finding.path, securitySections) ? 'security' : 'cosmetic';
}

export function severityOf(
  finding: Finding,
  record: Omit<DriftRecord, 'severity'>,
  rules: CompiledRules,
): DriftSeverity {
  const rule = severityRuleAt(rules, finding.path);
  const chosen = rule === undefined ? 'functional' : typeof rule === 'function' ? rule(record) : rule;
  const floor = builtInSeverity(finding);
  return severityRank(chosen) >= severityRank(floor) ? chosen : floor;
}
