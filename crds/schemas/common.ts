// Schema pieces shared by every OmniCloud kind: conditions, quantities, currencies, object metadata.
import { z } from 'zod';

export const group = 'omnicloud.io';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;

export const conditionSchema = z.object({
  type: z.string().min(1).max(316),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/).max(1024),
  message: z.string().max(32768),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().min(0).optional(),
});
export type Condition = z.infer<typeof conditionSchema>;

/** A Kubernetes resource quantity such as 64Gi or 500m. */
export const quantitySchema = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, 'a quantity such as 64Gi, 500Mi or 2');

/** ISO 4217 codes with their minor units (digits after the decimal point). */
export const currencyMinorUnits = {
  USD: 2, EUR: 2, GBP: 2, CHF: 2, CAD: 2, AUD: 2, NZD: 2, SEK: 2, NOK: 2, DKK: 2, PLN: 2, CZK: 2, HUF: 2,
  CNY: 2, HKD: 2, SGD: 2, INR: 2, BRL: 2, MXN: 2, ZAR: 2, AED: 2, SAR: 2, ILS: 2, TRY: 2,
  JPY: 0, KRW: 0, ISK: 0, CLP: 0, VND: 0,
  KWD: 3, BHD: 3, OMR: 3, JOD: 3, TND: 3,
} as const;
export type Currency = keyof typeof currencyMinorUnits;
export const currencySchema = z.enum(Object.keys(currencyMinorUnits) as [Currency, ...Currency[]]);

export const subjectSchema = z.object({
  kind: z.enum(['User', 'Group']),
  name: z.string().min(1).max(253),
});

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  generation?: number;
  resourceVersion?: string;
  deletionTimestamp?: Date;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
