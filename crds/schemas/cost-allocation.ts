// CostAllocation: shared costs (control plane, monitoring, logging) split over every tenant for a month by a
// strategy, with zero rounding loss: the parts always sum exactly to the shared amount.
import { z } from 'zod';
import { conditionSchema, currencySchema, formatted, type ObjectMeta } from './common.ts';
import { categoryRules, decimalPattern, payableAmounts, risingTiers } from './cost-allocation-rules.ts';

const money = formatted(decimalPattern, 'a non-negative decimal amount such as 1200.00', 64);
const ratio = formatted(decimalPattern, 'a non-negative decimal such as 0.7', 64);
const measure = z.enum(['vcpuHours', 'networkHours', 'storageGiBHours']);

// The tier rules in CEL for the API server, with the messages zod gives too. Together they say that exactly
// the last tier is open-ended; size(self) == 0 is left to minItems.
const lastOpen = {
  rule: 'size(self) == 0 || !has(self[size(self) - 1].upTo)',
  message: 'the last tier must be open-ended (no upTo) so that all usage is counted',
};
const openOnlyLast = {
  rule: 'self.filter(t, !has(t.upTo)).size() <= 1',
  message: 'only the last tier may be open-ended',
};

export const costAllocationSpecSchema = z.object({
  month: formatted(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month such as 2026-11', 7),
  currency: currencySchema,
  sharedCosts: z
    .array(z.object({ name: z.enum(['control-plane', 'monitoring', 'logging', 'support', 'other']), amount: money }))
    .min(1)
    .max(32),
  strategy: z.enum(['proportional', 'equal', 'tiered', 'custom']),
  /** What usage means for proportional and tiered. */
  measure: measure.default('vcpuHours'),
  /** Bands of usage, the last one open-ended (no upTo) so that all usage is counted. */
  tiers: z
    .array(z.object({ upTo: ratio.optional(), multiplier: ratio }))
    .min(1, 'spec.tiers needs at least one tier, the last without upTo')
    .max(16)
    .superRefine((tiers, ctx) => {
      tiers.forEach((tier, i) => {
        const last = i === tiers.length - 1;
        if (!last && tier.upTo === undefined) {
          ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: openOnlyLast.message });
        }
        if (last && tier.upTo !== undefined) {
          ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: lastOpen.message });
        }
      });
    })
    .optional(),
  categories: z
    .array(z.object({ name: z.string().min(1).max(63), weight: ratio, measure }))
    .min(1, 'spec.categories needs at least one category, such as compute 0.7 and network 0.3')
    .max(16)
    .optional(),
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
      payableAmounts,
    ],
    tiers: [lastOpen, openOnlyLast, risingTiers],
    categories: categoryRules,
  },
} as const;
