// CostAllocation: shared costs (control plane, monitoring, logging) split over every tenant for a month by a
// strategy, with zero rounding loss: the parts always sum exactly to the shared amount.
import { z } from 'zod';
import { conditionSchema, currencySchema, type ObjectMeta } from './common.ts';

const money = z.string().regex(/^\d+(\.\d+)?$/, 'a non-negative decimal amount such as 1200.00');
const ratio = z.string().regex(/^\d+(\.\d+)?$/, 'a non-negative decimal such as 0.7');
const measure = z.enum(['vcpuHours', 'networkHours', 'storageGiBHours']);

export const costAllocationSpecSchema = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month such as 2026-11'),
  currency: currencySchema,
  sharedCosts: z
    .array(z.object({ name: z.enum(['control-plane', 'monitoring', 'logging', 'support', 'other']), amount: money }))
    .min(1)
    .max(32),
  strategy: z.enum(['proportional', 'equal', 'tiered', 'custom']),
  /** What usage means for proportional and tiered. */
  measure: measure.default('vcpuHours'),
  tiers: z.array(z.object({ upTo: ratio.optional(), multiplier: ratio })).max(16).optional(),
  categories: z.array(z.object({ name: z.string().min(1).max(63), weight: ratio, measure })).max(16).optional(),
});

export const costAllocationStatusSchema = z.object({
  phase: z.enum(['Provisional', 'Final', 'Failed']).optional(),
  observedGeneration: z.number().int().optional(),
  total: z.string().optional(),
  allocations: z.array(z.object({ tenant: z.string(), amount: z.string(), usage: z.string().optional() })).max(5000).optional(),
  computedAt: z.string().optional(),
  conditions: z.array(conditionSchema).max(16).optional(),
});

export type CostAllocationSpec = z.infer<typeof costAllocationSpecSchema>;
export type CostAllocationStatus = z.infer<typeof costAllocationStatusSchema>;
export interface CostAllocation {
  apiVersion: 'omnicloud.io/v1alpha1';
  kind: 'CostAllocation';
  metadata: ObjectMeta;
  spec: CostAllocationSpec;
  status?: CostAllocationStatus;
}

export const costAllocationKind = {
  kind: 'CostAllocation',
  plural: 'costallocations',
  singular: 'costallocation',
  shortNames: ['costalloc'],
  scope: 'Cluster',
  spec: costAllocationSpecSchema,
  status: costAllocationStatusSchema,
  printerColumns: [
    { name: 'Month', type: 'string', jsonPath: '.spec.month' },
    { name: 'Strategy', type: 'string', jsonPath: '.spec.strategy' },
    { name: 'Total', type: 'string', jsonPath: '.status.total' },
    { name: 'Currency', type: 'string', jsonPath: '.spec.currency' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  rules: {
    '': [
      { rule: "self.strategy != 'tiered' || has(self.tiers)", message: 'the tiered strategy needs spec.tiers' },
      { rule: "self.strategy != 'custom' || has(self.categories)", message: 'the custom strategy needs spec.categories, such as compute 0.7 and network 0.3' },
    ],
  },
} as const;
