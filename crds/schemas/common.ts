// Schema pieces shared by every OmniCloud kind: conditions, quantities, currencies, labels and label
// selectors, object metadata.
import { z } from 'zod';

export const group = 'omnicloud.io';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;

/** The metadata key by which a string's form (see `formatted`) reaches the CRD generator. */
export const formatKey = 'x-omnicloud-format';

/**
 * A string of one form (a CIDR, a month, a quantity), at most maxLength characters: zod and the API server
 * refuse anything else with the same words, `must be <what>`. The CRD generator turns the pattern into a CEL
 * rule that says them, so the API server never answers with a bare regex; maxLength bounds the rule's cost.
 */
export function formatted(pattern: RegExp, what: string, maxLength: number) {
  const message = `must be ${what}`;
  return z.string().max(maxLength).regex(pattern, message).meta({ [formatKey]: message });
}

export const conditionSchema = z.object({
  type: z.string().min(1).max(316),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: formatted(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, 'a CamelCase reason such as ReconcileSuccess', 1024),
  message: z.string().max(32768),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().min(0).optional(),
});
export type Condition = z.infer<typeof conditionSchema>;

/** A Kubernetes resource quantity such as 64Gi or 500m (never signed, never in exponent form). */
export const quantitySchema = formatted(
  /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/,
  'a quantity such as 64Gi, 500Mi or 2: digits, maybe a fraction, and a unit among Ki Mi Gi Ti Pi Ei (or k M G T P E, or m)',
  32,
);

/** ISO 4217 codes with their minor units (digits after the decimal point). */
export const currencyMinorUnits = {
  USD: 2, EUR: 2, GBP: 2, CHF: 2, CAD: 2, AUD: 2, NZD: 2, SEK: 2, NOK: 2, DKK: 2, PLN: 2, CZK: 2, HUF: 2,
  CNY: 2, HKD: 2, SGD: 2, INR: 2, BRL: 2, MXN: 2, ZAR: 2, AED: 2, SAR: 2, ILS: 2, TRY: 2,
  JPY: 0, KRW: 0, ISK: 0, CLP: 0, VND: 0,
  KWD: 3, BHD: 3, OMR: 3, JOD: 3, TND: 3,
} as const;
export type Currency = keyof typeof currencyMinorUnits;
export const currencySchema = z.enum(Object.keys(currencyMinorUnits) as [Currency, ...Currency[]]);

/**
 * A label key as Kubernetes writes them (an optional DNS-subdomain prefix and `/`, then a name), at most 63
 * characters in all. The pattern keeps keys to ASCII, so zod's length (UTF-16 units) and the API server's
 * (characters) always agree.
 */
export const labelKeySchema = formatted(
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
  'a label key such as app or example.com/tier: letters, digits, - _ and . (beginning and ending with a letter or digit), after an optional lower-case DNS prefix and /',
  63,
);
/** A label value: empty, or alphanumerics with - _ . inside, at most 63 characters. */
export const labelValueSchema = formatted(
  /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/,
  'a label value such as web or v1.2: empty, or letters, digits, - _ and . beginning and ending with a letter or digit',
  63,
);

/** At most this many pairs in one matchLabels: it bounds the API server's cost of the CEL rules on the keys. */
export const maxMatchLabels = 32;

/** key=value pairs that must all be among an object's labels. */
export const matchLabelsSchema = z
  .record(labelKeySchema, labelValueSchema)
  .refine((labels) => Object.keys(labels).length <= maxMatchLabels, {
    message: `at most ${maxMatchLabels} labels`,
  })
  .meta({ maxProperties: maxMatchLabels });

const valuesNeeded = "self.operator in ['In', 'NotIn'] ? has(self.values) && size(self.values) > 0 : !has(self.values) || size(self.values) == 0";

/**
 * A Kubernetes label selector requirement. In and NotIn need at least one value and Exists and DoesNotExist
 * take none, refused whatever labels it would be matched against: by zod here, and by the API server through
 * the CEL rule the CRD generator carries over from the metadata.
 */
export const selectorRequirementSchema = z
  .object({
    key: labelKeySchema,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(labelValueSchema).max(64).optional(),
  })
  .superRefine((req, ctx) => {
    const count = req.values?.length ?? 0;
    const needsValues = req.operator === 'In' || req.operator === 'NotIn';
    if (needsValues && count === 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `${req.operator} on ${req.key} needs at least one value` });
    }
    if (!needsValues && count > 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `${req.operator} on ${req.key} takes no values` });
    }
  })
  .meta({
    'x-kubernetes-validations': [
      { rule: valuesNeeded, message: 'In and NotIn need at least one value; Exists and DoesNotExist take none' },
    ],
  });

/** matchLabels and matchExpressions, ANDed as in Kubernetes; an empty selector matches everything. */
export const labelSelectorSchema = z.object({
  matchLabels: matchLabelsSchema.optional(),
  matchExpressions: z.array(selectorRequirementSchema).max(16).optional(),
});
export type SelectorRequirement = z.infer<typeof selectorRequirementSchema>;
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

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
