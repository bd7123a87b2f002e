// A label selector is valid or not on its own, whatever it is matched against: In or NotIn without values is
// refused by the shared schema and by every matching function, even when matchLabels already rules a line
// out, an earlier expression fails first, or there are no lines at all.
import assert from 'node:assert/strict';
import { labelSelectorSchema } from '../../../crds/schemas/common.ts';
import {
  costByTag,
  filterBySelector,
  matchesSelector,
  type LabelSelector,
} from '../../../controllers/billing/domain/tags.ts';
import { d } from './assert-decimal.ts';

const emptyIn = (operator: 'In' | 'NotIn', values?: string[]): LabelSelector => ({
  matchExpressions: [{ key: 'env', operator, ...(values ? { values } : {}) }],
});

describe('unit: label selectors refused on their own', () => {
  for (const operator of ['In', 'NotIn'] as const) {
    for (const values of [undefined, []]) {
      const what = `${operator} with ${values ? 'an empty list' : 'no list'}`;
      it(`${what}: refused by the schema`, () => {
        const parsed = labelSelectorSchema.safeParse(emptyIn(operator, values));
        assert.equal(parsed.success, false);
        assert.match(
          parsed.error!.issues[0]!.message,
          new RegExp(`${operator} on env needs at least one value`),
        );
      });
      it(`${what}: refused whatever the labels, even when matchLabels or an earlier expression fails first`, () => {
        const bad = emptyIn(operator, values).matchExpressions![0]!;
        const selectors: LabelSelector[] = [
          { matchExpressions: [bad] },
          { matchLabels: { team: 'nobody' }, matchExpressions: [bad] },
          { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }, bad] },
        ];
        for (const selector of selectors) {
          const labelSets: (Record<string, string> | undefined)[] = [
            undefined,
            {},
            { env: 'prod' },
            { team: 'web', env: 'dev' },
          ];
          for (const labels of labelSets) {
            assert.throws(() => matchesSelector(labels, selector), /needs at least one value/);
          }
          assert.throws(() => filterBySelector([], selector), /needs at least one value/);
          assert.throws(() => costByTag([], 'team', selector), /needs at least one value/);
          assert.throws(() => costByTag([{ amount: d(1), labels: { team: 'web' } }], 'team', selector));
        }
      });
    }
  }

  it('refuses values on Exists and DoesNotExist, and keys that are not label keys', () => {
    const exists = { matchExpressions: [{ key: 'env', operator: 'Exists' as const, values: ['x'] }] };
    assert.equal(labelSelectorSchema.safeParse(exists).success, false);
    assert.throws(() => matchesSelector({ env: 'x' }, exists), /takes no values/);
    assert.equal(labelSelectorSchema.safeParse({ matchLabels: { 'bad key': 'x' } }).success, false);
  });

  it('accepts what Kubernetes accepts', () => {
    for (const selector of [
      {},
      { matchLabels: { 'app.kubernetes.io/name': 'web', env: '' } },
      { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] },
      { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] },
      { matchExpressions: [{ key: 'env', operator: 'Exists' }] },
      { matchExpressions: [{ key: 'env', operator: 'DoesNotExist', values: [] }] },
    ]) {
      assert.equal(labelSelectorSchema.safeParse(selector).success, true, JSON.stringify(selector));
      assert.doesNotThrow(() => matchesSelector({ env: 'prod' }, selector as LabelSelector));
    }
  });
});
