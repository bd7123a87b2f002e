// Invoice: what a tenant owes for one billing period, in its billing currency. Created by the operator when a
// period closes, or by a user at any time for a draft; issued once the period has ended, and final after.
import { z } from 'zod';
import { conditionSchema, formatted, type ObjectMeta } from './common.ts';
import { instantPattern, invoiceObjectRules, invoiceRules } from './invoice-rules.ts';

const instant = formatted(instantPattern, 'a UTC time such as 2026-11-01T00:00:00Z', 24);
const money = formatted(/^-?\d+(\.\d+)?$/, 'a decimal amount such as 12.34', 64);

export const invoiceSpecSchema = z.object({
  /** A calendar month in UTC, such as 2026-11; or give start and end for another half-open period. */
  month: formatted(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month such as 2026-11', 7).optional(),
  start: instant.optional(),
  end: instant.optional(),
});

const lineSchema = z.object({
  resourceClass: z.string(),
  region: z.string(),
  quantity: z.string(),
  unit: z.string(),
  unitPrice: money,
  amount: money,
});

export const invoiceStatusSchema = z.object({
  phase: z.enum(['Draft', 'Issued', 'Failed']).optional(),
  observedGeneration: z.number().int().optional(),
  tenant: z.string().optional(),
  periodStart: z.string().optional(),
  periodEnd: z.string().optional(),
  currency: z.string().optional(),
  lines: z.array(lineSchema).max(500).optional(),
  subtotal: money.optional(),
  discounts: money.optional(),
  tax: money.optional(),
  credits: money.optional(),
  total: money.optional(),
  exchangeRateToUSD: z.string().optional(),
  issuedAt: z.string().optional(),
  computedAt: z.string().optional(),
  /** Where the exports are: object keys in `bucket`, or file paths when exported to a directory. */
  export: z.object({ bucket: z.string().optional(), json: z.string(), csv: z.string() }).optional(),
  conditions: z.array(conditionSchema).max(16).optional(),
});

export type InvoiceSpec = z.infer<typeof invoiceSpecSchema>;
export type InvoiceStatus = z.infer<typeof invoiceStatusSchema>;
export interface Invoice {
  apiVersion: 'omnicloud.io/v1alpha1';
  kind: 'Invoice';
  metadata: ObjectMeta;
  spec: InvoiceSpec;
  status?: InvoiceStatus;
}

export const invoiceKind = {
  kind: 'Invoice',
  plural: 'invoices',
  singular: 'invoice',
  shortNames: ['inv'],
  scope: 'Namespaced',
  spec: invoiceSpecSchema,
  status: invoiceStatusSchema,
  printerColumns: [
    { name: 'Start', type: 'string', jsonPath: '.status.periodStart' },
    { name: 'End', type: 'string', jsonPath: '.status.periodEnd' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Total', type: 'string', jsonPath: '.status.total' },
    { name: 'Currency', type: 'string', jsonPath: '.status.currency' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  rules: invoiceRules,
  objectRules: invoiceObjectRules,
} as const;
