// The CostAllocation's CEL rules beyond the schema, as webhooks/cost-allocation.ts checks them: amounts the
// currency can pay, tiers in rising order, categories named once with some weight.
import type { CelRule } from '../generator/crd.ts';
import { celFormat, celString, distinct, first } from './cel.ts';
import { currencyMinorUnits } from './common.ts';

/** A non-negative decimal, as amounts, bounds and weights are written. */
export const decimalPattern = /^\d+(\.\d+)?$/;
const decimal = (x: string) => `${x}.matches(${celString(decimalPattern.source)})`;

const minorUnits = `{${Object.entries(currencyMinorUnits)
  .map(([code, digits]) => `${celString(code)}: ${digits}`)
  .join(', ')}}[self.currency]`;
const decimals = (x: string) => `(${x}.contains('.') ? size(${x}) - ${x}.indexOf('.') - 1 : 0)`;
const tooFine = `${decimal('s.amount')} && ${decimals('s.amount')} > ${minorUnits}`;

// Bounds are compared as doubles, which round but never reorder: a bound whose double is below the previous
// one's is below it, and one written as the previous one is equal to it. Bounds apart only beyond a double's
// precision, or equal but written apart (1 and 1.0), are the webhook's to refuse, as exact decimals.
const previous = 'self[i - 1].upTo';
const notRising =
  `i > 0 && has(s.upTo) && has(${previous}) && ${decimal('s.upTo')} && ${decimal(previous)} && ` +
  `(double(s.upTo) < double(${previous}) || s.upTo == ${previous})`;

/** Each shared cost in amounts the currency can pay (a rule on spec). */
export const payableAmounts: CelRule = {
  rule: `self.sharedCosts.all(s, !(${tooFine}))`,
  message: 'spec.sharedCosts: each amount may have at most as many decimals as spec.currency has (2 for EUR, 0 for JPY)',
  messageExpression: celFormat('spec.sharedCosts[%d].amount: %s has %d decimals; %s has %d', [
    first('self.sharedCosts', tooFine),
    first('self.sharedCosts', tooFine, 's.amount'),
    first('self.sharedCosts', tooFine, decimals('s.amount')),
    'self.currency',
    minorUnits,
  ]),
};

/** Tier bounds in rising order (a rule on spec.tiers). */
export const risingTiers: CelRule = {
  rule: `self.all(i, s, !(${notRising}))`,
  message: "spec.tiers: each tier's upTo must be above the previous tier's",
  messageExpression: celFormat("spec.tiers[%d].upTo: must be above the previous tier's %s", [
    first('self', notRising),
    first('self', notRising, previous),
  ]),
};

/** Categories named once, with some weight (rules on spec.categories). */
export const categoryRules: CelRule[] = [
  distinct('categories', 'name', '%s is listed twice', 'category names must be unique'),
  {
    rule: `!self.all(c, ${decimal('c.weight')}) || self.exists(c, double(c.weight) > 0.0)`,
    message: 'spec.categories: at least one category needs a weight above 0',
  },
];
