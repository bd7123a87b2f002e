// Admission rules for Networks: CIDRs without host bits, subnets inside their network and apart from each
// other, zones inside the region, well-formed security-group rules, and fields that cannot change once the
// network exists. The CRD's CEL rules (crds/schemas/network-rules.ts) refuse the same in the same words, for
// clusters that run without the webhook.
import { networkSpecSchema, type NetworkSpec, type SecurityRule } from '../crds/schemas/network.ts';
import {
  CidrError,
  contains,
  formatCidr,
  overlaps,
  parseCidr,
  type Cidr,
} from '../controllers/network/ipam.ts';
import { annotationProblems, type ManagedObject } from './managed.ts';
import type { Problem } from './review.ts';
import { schemaProblems, zoneProblem } from './rules.ts';

interface NetworkLike extends ManagedObject {
  metadata?: { name?: unknown };
  spec?: unknown;
}

function cidrOrProblem(text: string, field: string, problems: Problem[]): Cidr | undefined {
  try {
    return parseCidr(text);
  } catch (err) {
    if (err instanceof CidrError) problems.push({ field, message: err.message });
    return undefined;
  }
}

export function ruleProblems(rule: SecurityRule, field: string): Problem[] {
  const problems: Problem[] = [];
  if ((rule.protocol === 'icmp' || rule.protocol === 'all') && rule.ports !== undefined) {
    problems.push({
      field: `${field}.ports`,
      message: `ports do not apply to protocol ${rule.protocol}; remove ports or use tcp or udp`,
    });
  }
  if (rule.ports !== undefined) {
    const [low, high = low] = rule.ports.split('-').map(Number) as [number, number?];
    if (low < 1 || high > 65535 || low > high) {
      problems.push({
        field: `${field}.ports`,
        message: `${rule.ports} is not a port (1-65535) or a rising range such as 8000-8080`,
      });
    }
  }
  cidrOrProblem(rule.cidr, `${field}.cidr`, problems);
  return problems;
}

function specProblems(spec: NetworkSpec): Problem[] {
  const problems: Problem[] = [];
  const network = spec.cidr ? cidrOrProblem(spec.cidr, 'spec.cidr', problems) : undefined;
  const networkPrefix = network?.prefix ?? spec.prefixLength;
  const seen = new Map<string, number>();
  const explicit: { cidr: Cidr; index: number }[] = [];
  spec.subnets.forEach((s, i) => {
    const field = `spec.subnets[${i}]`;
    if (seen.has(s.name))
      problems.push({
        field: `${field}.name`,
        message: `${s.name} is already the name of subnet ${seen.get(s.name)}; names must be unique`,
      });
    seen.set(s.name, i);
    const zone = zoneProblem(spec.region, s.zone, `${field}.zone`);
    if (zone) problems.push(zone);
    const prefix = s.cidr ? cidrOrProblem(s.cidr, `${field}.cidr`, problems)?.prefix : s.prefixLength;
    if (prefix !== undefined && networkPrefix !== undefined && prefix <= networkPrefix) {
      problems.push({
        field,
        message: `a /${prefix} subnet does not fit in a /${networkPrefix} network; use a longer prefix than /${networkPrefix}`,
      });
    }
    if (s.cidr) {
      const c = cidrOrProblem(s.cidr, `${field}.cidr`, []);
      if (c && network && !contains(network, c)) {
        problems.push({
          field: `${field}.cidr`,
          message: `${s.cidr} is not inside the network's ${formatCidr(network)}`,
        });
      }
      if (c) {
        const clash = explicit.find((e) => overlaps(e.cidr, c));
        if (clash)
          problems.push({
            field: `${field}.cidr`,
            message: `${s.cidr} overlaps subnet ${clash.index} (${formatCidr(clash.cidr)})`,
          });
        explicit.push({ cidr: c, index: i });
      }
      if (!spec.cidr)
        problems.push({
          field: `${field}.cidr`,
          message: 'explicit subnet CIDRs need an explicit spec.cidr; use prefixLength instead',
        });
    }
  });
  const groups = new Set<string>();
  spec.securityGroups.forEach((g, i) => {
    if (groups.has(g.name))
      problems.push({ field: `spec.securityGroups[${i}].name`, message: `${g.name} is listed twice` });
    groups.add(g.name);
    g.ingress.forEach((r, j) => problems.push(...ruleProblems(r, `spec.securityGroups[${i}].ingress[${j}]`)));
    g.egress.forEach((r, j) => problems.push(...ruleProblems(r, `spec.securityGroups[${i}].egress[${j}]`)));
  });
  return problems;
}

function immutableProblems(spec: NetworkSpec, old: NetworkSpec): Problem[] {
  const problems: Problem[] = [];
  for (const key of ['region', 'cidr', 'prefixLength'] as const) {
    if (spec[key] !== old[key])
      problems.push({
        field: `spec.${key}`,
        message: `is immutable (was ${old[key] ?? 'unset'}); create a new Network instead`,
      });
  }
  old.subnets.forEach((o) => {
    const now = spec.subnets.find((s) => s.name === o.name);
    if (!now)
      problems.push({
        field: 'spec.subnets',
        message: `subnet ${o.name} cannot be removed; instances may hold addresses in it`,
      });
    else if (now.zone !== o.zone || now.cidr !== o.cidr || now.prefixLength !== o.prefixLength) {
      problems.push({
        field: `spec.subnets[${spec.subnets.indexOf(now)}]`,
        message: `subnet ${o.name}'s zone, cidr and prefixLength are immutable; add a new subnet instead`,
      });
    }
  });
  return problems;
}

export function validateNetwork(operation: string, object: NetworkLike, oldObject?: NetworkLike): Problem[] {
  if (operation !== 'CREATE' && operation !== 'UPDATE') return [];
  const parsed = networkSpecSchema.safeParse(object.spec);
  if (!parsed.success) return [...schemaProblems(parsed.error), ...annotationProblems(object, oldObject)];
  const problems = specProblems(parsed.data);
  if (parsed.data.peerings.some((p) => p.network === object.metadata?.name)) {
    problems.push({ field: 'spec.peerings', message: 'a network cannot peer with itself' });
  }
  if (operation === 'UPDATE' && oldObject) {
    const old = networkSpecSchema.safeParse(oldObject.spec);
    if (old.success) problems.push(...immutableProblems(parsed.data, old.data));
  }
  problems.push(...annotationProblems(object, oldObject));
  return problems;
}
