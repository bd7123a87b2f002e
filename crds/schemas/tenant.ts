// Tenant: a customer of the platform, cluster-scoped. Owns a namespace, its quota and its access rules.
import { z } from 'zod';
import type { CelRule } from '../generator/crd.ts';
import { celFormat, celString, first } from './cel.ts';
import { conditionSchema, currencySchema, quantitySchema, subjectSchema, type ObjectMeta } from './common.ts';

/** The tenant's namespace is tenant-<name>, a DNS label of at most 63 characters; so is the name. */
export const tenantNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const maxTenantName = 63 - 'tenant-'.length;
export const tenantNameProblem = `must be lower-case letters, digits and '-', at most ${maxTenantName} characters (the tenant's namespace is tenant-<name>)`;

/** admins and viewers list each subject once (a rule on the list, at spec.<list>). */
const subjectsOnce = (list: string): CelRule => {
  const twice = 'self.exists(j, t, j < i && t == s)';
  return {
    rule: 'self.all(i, s, self.all(j, t, j >= i || t != s))',
    message: `spec.${list}: list each subject once`,
    messageExpression: celFormat(`spec.${list}[%d]: %s %s is listed twice; list each subject once`, [
      first('self', twice),
      first('self', twice, 's.kind'),
      first('self', twice, 's.name'),
    ]),
  };
};

// What the tenant holds, from the status the update starts from (the webhook's oldObject).
const usedNetworks =
  'has(oldSelf.status) && has(oldSelf.status.quotaUsage) && has(oldSelf.status.quotaUsage.networks) ? oldSelf.status.quotaUsage.networks : 0';

export const tenantSpecSchema = z.object({
  displayName: z.string().min(1).max(128),
  admins: z.array(subjectSchema).max(64).default([]),
  viewers: z.array(subjectSchema).max(64).default([]),
  quotas: z.object({
    vcpu: z.number().int().min(0).max(100000),
    memory: quantitySchema,
    storage: quantitySchema,
    networks: z.number().int().min(0).max(10000),
    publicIPs: z.number().int().min(0).max(10000),
  }),
  billingCurrency: currencySchema,
  tier: z.enum(['free', 'standard', 'enterprise']).default('standard'),
  suspended: z.boolean().default(false),
});

export const tenantStatusSchema = z.object({
  namespace: z.string().optional(),
  phase: z.enum(['Pending', 'Active', 'Suspended', 'Terminating', 'Failed']).optional(),
  observedGeneration: z.number().int().optional(),
  conditions: z.array(conditionSchema).max(16).optional(),
  quotaUsage: z
    .object({
      vcpu: z.number().int().optional(),
      memory: z.string().optional(),
      storage: z.string().optional(),
      networks: z.number().int().optional(),
      publicIPs: z.number().int().optional(),
    })
    .optional(),
});

export type TenantSpec = z.infer<typeof tenantSpecSchema>;
export type TenantStatus = z.infer<typeof tenantStatusSchema>;
export interface Tenant {
  apiVersion: 'omnicloud.io/v1alpha1';
  kind: 'Tenant';
  metadata: ObjectMeta;
  spec: TenantSpec;
  status?: TenantStatus;
}

export const tenantKind = {
  kind: 'Tenant',
  plural: 'tenants',
  singular: 'tenant',
  shortNames: ['tn'],
  scope: 'Cluster',
  spec: tenantSpecSchema,
  status: tenantStatusSchema,
  printerColumns: [
    { name: 'Display Name', type: 'string', jsonPath: '.spec.displayName' },
    { name: 'Namespace', type: 'string', jsonPath: '.status.namespace' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Currency', type: 'string', jsonPath: '.spec.billingCurrency', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  rules: {
    '': [
      {
        rule: "self.tier != 'free' || self.quotas.vcpu <= 8",
        message: 'a free-tier tenant may have at most 8 vCPU in spec.quotas.vcpu; choose tier standard or enterprise for more',
      },
    ],
    admins: [subjectsOnce('admins')],
    viewers: [subjectsOnce('viewers')],
  },
  objectRules: [
    {
      // Judged on create only: a name never changes, and a rule on the whole object would otherwise be judged
      // again on every update, so a tenant named before this rule could not even lose its finalizer.
      rule: `oldSelf.hasValue() || size(self.metadata.name) <= ${maxTenantName} && self.metadata.name.matches(${celString(tenantNamePattern.source)})`,
      optionalOldSelf: true,
      message: `metadata.name: ${tenantNameProblem}`,
      fieldPath: '.metadata',
    },
    {
      // Judged only when the spec changes, as the webhook does: the operator's own status updates always pass.
      rule: `self.spec == oldSelf.spec || self.spec.quotas.networks >= (${usedNetworks})`,
      message: 'spec.quotas.networks: may not go below the networks the tenant has; delete networks first',
      messageExpression: celFormat(
        'spec.quotas.networks: %d is below the %d networks the tenant has; delete networks first or set at least %d',
        ['self.spec.quotas.networks', `(${usedNetworks})`, `(${usedNetworks})`],
      ),
      fieldPath: '.spec',
    },
  ],
} as const;
