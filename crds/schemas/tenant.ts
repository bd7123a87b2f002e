// Tenant: a customer of the platform, cluster-scoped. Owns a namespace, its quota and its access rules.
import { z } from 'zod';
import { conditionSchema, currencySchema, quantitySchema, subjectSchema, type ObjectMeta } from './common.ts';

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
  },
} as const;
