// Admission rules for CostAllocations that the schema cannot express: amounts the currency can pay, tiers in
// rising order, categories named once with some weight.
import { costAllocationSpecSchema } from '../crds/schemas/cost-allocation.ts';
import { currencyMinorUnits } from '../crds/schemas/common.ts';
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
  let previous = -1;
  (spec.tiers ?? []).forEach((t, i) => {
    const last = i === (spec.tiers ?? []).length - 1;
    if (t.upTo === undefined && !last)
      problems.push({ field: `spec.tiers[${i}].upTo`, message: 'only the last tier may be open-ended' });
    if (t.upTo !== undefined) {
      if (Number(t.upTo) <= previous)
        problems.push({
          field: `spec.tiers[${i}].upTo`,
          message: `must be above the previous tier's ${previous}`,
        });
      previous = Number(t.upTo);
    }
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
