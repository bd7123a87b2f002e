// Cost by tags: grouping by a label with "(untagged)" for lines without it, and Kubernetes-style selectors.
import assert from 'node:assert/strict';
import {
  costByTag,
  filterBySelector,
  matchesSelector,
  untagged,
  type CostLine,
} from '../../../controllers/billing/domain/tags.ts';
import { asStrings, d } from './assert-decimal.ts';

const lines: CostLine[] = [
  { amount: d('10.00'), labels: { team: 'web', env: 'prod' } },
  { amount: d('5.50'), labels: { team: 'web', env: 'dev' } },
  { amount: d('2.25'), labels: { team: 'data', env: 'prod' } },
  { amount: d('1.00'), labels: { env: 'prod' } },
  { amount: d('0.75') },
  { amount: d('0.50'), labels: { team: '' } },
];

describe('unit: billing cost by tags', () => {
  it('groups by a label, missing labels under "(untagged)", totals adding up to the whole', () => {
    assert.deepEqual(asStrings(costByTag(lines, 'team')), {
      web: '15.5',
      data: '2.25',
      [untagged]: '1.75',
      '': '0.5',
    });
  });

  it('groups only the lines a selector picks', () => {
    assert.deepEqual(asStrings(costByTag(lines, 'team', { matchLabels: { env: 'prod' } })), {
      web: '10',
      data: '2.25',
      [untagged]: '1',
    });
  });

  it('matches In, NotIn, Exists and DoesNotExist as Kubernetes does', () => {
    const labels = { team: 'web', env: 'prod' };
    assert.equal(
      matchesSelector(labels, {
        matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }],
      }),
      true,
    );
    assert.equal(
      matchesSelector(labels, { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }),
      false,
    );
    assert.equal(
      matchesSelector(undefined, { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }),
      true,
    );
    assert.equal(matchesSelector(labels, { matchExpressions: [{ key: 'team', operator: 'Exists' }] }), true);
    assert.equal(
      matchesSelector(labels, { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }),
      false,
    );
  });

  it('ANDs matchLabels and matchExpressions, and matches everything with an empty selector', () => {
    const picked = filterBySelector(lines, {
      matchLabels: { env: 'prod' },
      matchExpressions: [{ key: 'team', operator: 'Exists' }],
    });
    assert.deepEqual(
      picked.map((l) => l.amount.toString()),
      ['10', '2.25'],
    );
    assert.equal(filterBySelector(lines, {}).length, lines.length);
  });

  it('refuses In and NotIn without values, and ignores inherited properties as labels', () => {
    assert.throws(
      () => matchesSelector({}, { matchExpressions: [{ key: 'a', operator: 'In' }] }),
      /needs at least one value/,
    );
    assert.equal(
      costByTag([{ amount: d(1), labels: {} }], 'toString')
        .get(untagged)
        ?.toString(),
      '1',
    );
  });
});
