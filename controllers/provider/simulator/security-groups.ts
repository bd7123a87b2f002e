// Security groups on simulated instances, judged by the same rules as the Network kind's (its schema and its
// webhook's rule checks), so the cloud refuses what the operator would: a port on icmp, a falling range, a
// CIDR with host bits. Also the one-rule edits a console user makes. Pure.
import { z } from 'zod';
import { ruleSchema, securityGroupSchema } from '../../../crds/schemas/network.ts';
import { ruleProblems } from '../../../webhooks/network.ts';
import { fieldPath } from '../../../webhooks/rules.ts';
import type { Rule, SecurityGroup } from '../types.ts';
import { SimulatorError } from './errors.ts';

export type RuleDirection = 'ingress' | 'egress';

/** One rule added to or removed from one group of an instance, as a console user does it. */
export interface RuleEdit {
  group: string;
  direction: RuleDirection;
  rule: Rule;
}

/** A rule edit as asked for, its rule not judged yet. */
export type RuleEditRequest = Omit<RuleEdit, 'rule'> & { rule: unknown };

const maxGroups = 32;
const groupsSchema = z.array(securityGroupSchema).max(maxGroups);

function refuse(problems: string[]): never {
  throw new SimulatorError(400, 'InvalidSecurityGroup', problems.slice(0, 10).join('; '));
}

function parsed<T>(schema: z.ZodType<T>, input: unknown, field: string): T {
  const r = schema.safeParse(input);
  if (!r.success) refuse(r.error.issues.map((i) => `${fieldPath(field, i.path)}: ${i.message}`));
  return r.data;
}

function problemsOf(rule: Rule, field: string): string[] {
  return ruleProblems(rule, field).map((p) => `${p.field}: ${p.message}`);
}

/** The groups as the cloud keeps them, or a 400 naming every problem (field path and why). */
export function checkSecurityGroups(input: unknown, field = 'securityGroups'): SecurityGroup[] {
  const groups = parsed(groupsSchema, input, field);
  const problems: string[] = [];
  const seen = new Map<string, number>();
  groups.forEach((g, i) => {
    const at = seen.get(g.name);
    if (at !== undefined)
      problems.push(
        `${field}[${i}].name: ${g.name} is already the name of group ${at}; names must be unique`,
      );
    seen.set(g.name, i);
    for (const direction of ['ingress', 'egress'] as const)
      g[direction].forEach((r, j) => problems.push(...problemsOf(r, `${field}[${i}].${direction}[${j}]`)));
  });
  if (problems.length > 0) refuse(problems);
  return groups;
}

/** One rule, checked as a rule of a group is. */
export function checkRule(input: unknown, field = 'rule'): Rule {
  const rule = parsed(ruleSchema, input, field);
  const problems = problemsOf(rule, field);
  if (problems.length > 0) refuse(problems);
  return rule;
}

/** Rules are the same when they let the same traffic through; the description does not count. */
const sameRule = (a: Rule, b: Rule): boolean =>
  a.protocol === b.protocol && a.ports === b.ports && a.cidr === b.cidr;

const describe = (r: Rule): string => `${r.protocol}${r.ports ? ` ${r.ports}` : ''} ${r.cidr}`;

/** The groups with the rule added; a group not there yet is created. A rule already there is a 409. */
export function withRule(groups: SecurityGroup[], edit: RuleEdit): SecurityGroup[] {
  const group = groups.find((g) => g.name === edit.group);
  if (!group) {
    if (groups.length >= maxGroups)
      throw new SimulatorError(409, 'TooManyGroups', `an instance has at most ${maxGroups} security groups`);
    const empty = { name: edit.group, ingress: [], egress: [] };
    return [...groups, { ...empty, [edit.direction]: [edit.rule] }];
  }
  if (group[edit.direction].some((r) => sameRule(r, edit.rule)))
    throw new SimulatorError(
      409,
      'DuplicateRule',
      `group ${edit.group} already has the ${edit.direction} rule ${describe(edit.rule)}`,
    );
  return groups.map((g) => (g === group ? { ...g, [edit.direction]: [...g[edit.direction], edit.rule] } : g));
}

/** The groups without the rule (the group stays, maybe empty); a group or rule not there is a 404. */
export function withoutRule(groups: SecurityGroup[], edit: RuleEdit): SecurityGroup[] {
  const group = groups.find((g) => g.name === edit.group);
  if (!group)
    throw new SimulatorError(
      404,
      'NotFound',
      `no security group ${edit.group}; the instance has ${groups.map((g) => g.name).join(', ') || 'none'}`,
    );
  const kept = group[edit.direction].filter((r) => !sameRule(r, edit.rule));
  if (kept.length === group[edit.direction].length)
    throw new SimulatorError(
      404,
      'NotFound',
      `group ${edit.group} has no ${edit.direction} rule ${describe(edit.rule)}`,
    );
  return groups.map((g) => (g === group ? { ...g, [edit.direction]: kept } : g));
}
