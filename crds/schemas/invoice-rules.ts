// The Invoice's CEL rules for the API server: a period that ends after it starts (as webhooks/invoice.ts
// checks), a spec that never changes once created, and an issued invoice's status that stays final.
import type { CelRule } from '../generator/crd.ts';
import { celFormat, celString, unchangedFields } from './cel.ts';

/** A UTC time to the second or millisecond: fixed width up to the seconds, so its text orders as its time. */
export const instantPattern =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,3})?Z$/;
const wellFormed = (x: string) => `${x}.matches(${celString(instantPattern.source)})`;

// Start and end are checked by their text: up to the seconds it is fixed width, so it orders as the time it
// stands for, and the fraction (up to milliseconds) is compared padded to three digits. Unlike a timestamp()
// conversion, this cannot fail on a date such as 2026-02-30, which is left to the webhook and the controller.
const seconds = (x: string) => `${x}.substring(0, 19)`;
const fraction = (x: string) => `(size(${x}) > 20 ? (${x}.substring(20, size(${x}) - 1) + '00').substring(0, 3) : '000')`;
const before = (a: string, b: string) =>
  `(${seconds(a)} < ${seconds(b)} || ${seconds(a)} == ${seconds(b)} && ${fraction(a)} < ${fraction(b)})`;

/** Fields of an issued invoice's status that are the invoice; conditions and observedGeneration may move. */
export const issuedFinalFields = [
  'phase',
  'tenant',
  'periodStart',
  'periodEnd',
  'currency',
  'lines',
  'subtotal',
  'discounts',
  'tax',
  'credits',
  'total',
  'exchangeRateToUSD',
  'issuedAt',
] as const;

const same = (f: string) =>
  `(has(self.status.${f}) == has(oldSelf.status.${f}) && (!has(self.status.${f}) || self.status.${f} == oldSelf.status.${f}))`;
/** The first final field that changed, by name, for the message. */
const firstChanged = issuedFinalFields.reduceRight<string>(
  (rest, f) => `(!${same(f)} ? ${celString(f)} : ${rest})`,
  celString('status'),
);
const wasIssued = "has(oldSelf.status) && has(oldSelf.status.phase) && oldSelf.status.phase == 'Issued'";

export const invoiceRules: Record<string, CelRule[]> = {
  '': [
    {
      rule: 'has(self.month) != (has(self.start) && has(self.end))',
      message: 'set either spec.month (such as 2026-11) or both spec.start and spec.end',
    },
    {
      rule: `!has(self.start) || !has(self.end) || !${wellFormed('self.start')} || !${wellFormed('self.end')} || ${before('self.start', 'self.end')}`,
      message: 'spec.end: must be after spec.start; periods are half-open [start, end)',
      messageExpression: celFormat('spec.end: must be after spec.start (%s); periods are half-open [start, end)', [
        'self.start',
      ]),
    },
    ...unchangedFields(
      { month: 'optional', start: 'optional', end: 'optional' },
      'an Invoice covers one period for good: its spec cannot change; create another Invoice',
    ),
  ],
};

/** An issued invoice is final, whoever asks (the status subresource included); a correction is a credit note. */
export const invoiceObjectRules: CelRule[] = [
  {
    rule: `!(${wasIssued}) || has(self.status) && ${issuedFinalFields.map(same).join(' && ')}`,
    message: 'status: this invoice is issued and final; issue a credit note to correct it',
    messageExpression: celFormat('status.%s: invoice %s is issued and final; issue a credit note to correct it', [
      `(has(self.status) ? ${firstChanged} : 'status')`,
      'self.metadata.name',
    ]),
    fieldPath: '.status',
  },
];
