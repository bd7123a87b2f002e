// Admission rules for Tenants: the namespace name it implies, duplicate subjects, and quotas below what the
// tenant already uses, which the CRD's CEL rules (crds/schemas/tenant.ts) refuse too, in the same words.
// Defaults are filled in by the mutating webhook.
import {
  tenantNameProblem,
  tenantNamePattern,
  maxTenantName,
  tenantSpecSchema,
} from '../crds/schemas/tenant.ts';
import type { Problem } from './review.ts';
import { schemaProblems } from './rules.ts';

interface TenantLike {
  metadata?: { name?: unknown; labels?: Record<string, unknown> };
  spec?: Record<string, unknown>;
  status?: { quotaUsage?: { networks?: unknown } };
}

export function validateTenant(operation: string, object: TenantLike, oldObject?: TenantLike): Problem[] {
  if (operation !== 'CREATE' && operation !== 'UPDATE') return [];
  const problems: Problem[] = [];
  const name = object.metadata?.name;
  if (typeof name !== 'string' || !tenantNamePattern.test(name) || name.length > maxTenantName) {
    problems.push({ field: 'metadata.name', message: tenantNameProblem });
  }
  const parsed = tenantSpecSchema.safeParse(object.spec);
  if (!parsed.success) {
    problems.push(...schemaProblems(parsed.error));
    return problems;
  }
  const spec = parsed.data;
  for (const list of ['admins', 'viewers'] as const) {
    const seen = new Set<string>();
    spec[list].forEach((s, i) => {
      const key = `${s.kind}/${s.name}`;
      if (seen.has(key))
        problems.push({
          field: `spec.${list}[${i}]`,
          message: `${s.kind} ${s.name} is listed twice; list each subject once`,
        });
      seen.add(key);
    });
  }
  const used = Number(oldObject?.status?.quotaUsage?.networks ?? 0);
  if (operation === 'UPDATE' && Number.isFinite(used) && spec.quotas.networks < used) {
    problems.push({
      field: 'spec.quotas.networks',
      message: `${spec.quotas.networks} is below the ${used} networks the tenant has; delete networks first or set at least ${used}`,
    });
  }
  return problems;
}

/** JSON patch operations that fill in defaults the user left out. */
export function defaultTenant(object: TenantLike): object[] {
  const spec = object.spec ?? {};
  const ops: object[] = [];
  if (object.spec === undefined) return ops;
  const defaults: Record<string, unknown> = { admins: [], viewers: [], tier: 'standard', suspended: false };
  for (const [key, value] of Object.entries(defaults)) {
    if (spec[key] === undefined) ops.push({ op: 'add', path: `/spec/${key}`, value });
  }
  const tier = typeof spec.tier === 'string' ? spec.tier : 'standard';
  if (object.metadata?.labels === undefined) ops.push({ op: 'add', path: '/metadata/labels', value: {} });
  ops.push({ op: 'add', path: '/metadata/labels/omnicloud.io~1tier', value: tier });
  return ops;
}
