// Admission rules for CostAllocations beyond the schema (which the webhook applies first, so a spec the API
// server would refuse is refused here with the same words): amounts the currency can pay, tiers in rising
// order, categories named once with some weight.
import { costAllocationSpecSchema } from '../crds/schemas/cost-allocation.ts';
import { currencyMinorUnits } from '../crds/schemas/common.ts';
import { Dec, type Decimal } from '../controllers/billing/domain/money.ts';
import type { Problem } from './review.ts';
import { schemaProblems } from './rules.ts';

export function validateCostAllocation(operation: string, object: { spec?: unknown }): Problem[] {
  if (operation !== 'CREATE' && operation !== 'UPDATE') return [];
  const parsed = costAllocationSpecSchema.safeParse(object.spec);
  if (!parsed.success) return schemaProblems(parsed.error);
  const spec = parsed.data;
  const problems: Problem[] = [];
  const digits = currencyMinorUnits[spec.currency];
  spec.sharedCosts.forEach((c, i) => {
    const decimals = c.amount.split('.')[1]?.length ?? 0;
    if (decimals > digits) {
      problems.push({
        field: `spec.sharedCosts[${i}].amount`,
        message: `${c.amount} has ${decimals} decimals; ${spec.currency} has ${digits}`,
      });
    }
  });
  // Which tier may be open-ended is the schema's; rising bounds are compared here, as exact decimals.
  let previous: Decimal | undefined;
  (spec.tiers ?? []).forEach((t, i) => {
    if (t.upTo === undefined) return;
    const upTo = new Dec(t.upTo);
    if (previous !== undefined && upTo.lessThanOrEqualTo(previous)) {
      problems.push({
        field: `spec.tiers[${i}].upTo`,
        message: `must be above the previous tier's ${previous.toString()}`,
      });
    }
    previous = upTo;
  });
  const names = new Set<string>();
  (spec.categories ?? []).forEach((c, i) => {
    if (names.has(c.name))
      problems.push({ field: `spec.categories[${i}].name`, message: `${c.name} is listed twice` });
    names.add(c.name);
  });
  if (spec.categories && spec.categories.every((c) => Number(c.weight) === 0)) {
    problems.push({ field: 'spec.categories', message: 'at least one category needs a weight above 0' });
  }
  return problems;
}
