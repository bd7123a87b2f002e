// Allocation of shared amounts: exact sums, deterministic tie-breaks, the strategies and their documented edge cases.
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import {
  allocate,
  allocateByCategory,
  allocateWith,
  equalShares,
  proportionalShares,
  tieredShares,
  tieredWeight,
  type Share,
  type Tier,
} from '../../../controllers/billing/domain/allocation.ts';
import { sumMoney, type Currency } from '../../../controllers/billing/domain/money.ts';
import { asStrings, assertDec, d } from './assert-decimal.ts';

const shares = (weights: Record<string, string | number>): Share[] =>
  Object.entries(weights).map(([tenant, w]) => ({ tenant, weight: d(w) }));

function allocated(amount: string, currency: Currency, weights: Record<string, string | number>) {
  const result = allocate(d(amount), currency, shares(weights));
  assertDec(sumMoney(result.values()), amount, 'sum of allocations');
  return asStrings(result);
}

describe('unit: billing allocation, core', () => {
  it('gives everything to a single tenant', () => {
    assert.deepEqual(allocated('100.00', 'USD', { solo: 3 }), { solo: '100' });
  });

  it('gives everything to a single tenant even with zero weight', () => {
    assert.deepEqual(allocated('7', 'JPY', { solo: 0 }), { solo: '7' });
  });

  it('splits 100.00 USD three ways as 33.34 / 33.33 / 33.33, the extra cent by name', () => {
    assert.deepEqual(allocated('100.00', 'USD', { b: 1, a: 1, c: 1 }), {
      b: '33.33',
      a: '33.34',
      c: '33.33',
    });
  });

  it('splits a tiny 0.01 USD over 3 tenants without inventing money', () => {
    assert.deepEqual(allocated('0.01', 'USD', { c: 1, a: 1, b: 1 }), { c: '0', a: '0.01', b: '0' });
  });

  it('splits 0.02 USD over 3 tenants: the first two names get a cent', () => {
    assert.deepEqual(allocated('0.02', 'USD', { gamma: 1, beta: 1, alpha: 1 }), {
      gamma: '0',
      beta: '0.01',
      alpha: '0.01',
    });
  });

  it('gives a leftover unit to the larger remainder first', () => {
    // 1.00 by 1:2 → 33.33.. and 66.66..: remainders 1 and 2 (of 3), so the second gets the cent.
    assert.deepEqual(allocated('1.00', 'USD', { a: 1, b: 2 }), { a: '0.33', b: '0.67' });
  });

  it('breaks equal remainders by the larger weight before the name', () => {
    // 2 cents by 1:3 → 0.5 and 1.5 cents: equal remainders, z has the larger weight although a sorts first.
    assert.deepEqual(allocated('0.02', 'USD', { a: 1, z: 3 }), { a: '0', z: '0.02' });
  });

  it('breaks equal remainders and weights by tenant name, in code-unit order (uppercase first)', () => {
    assert.deepEqual(allocated('0.01', 'USD', { a: 1, B: 1 }), { a: '0', B: '0.01' });
  });

  it('is deterministic: the same shares in any order give the same allocation', () => {
    const names = Array.from({ length: 10 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const expected = Object.fromEntries(names.map((n, i) => [n, i < 7 ? '0.01' : '0']));
    for (const order of [names, [...names].reverse(), [...names.slice(5), ...names.slice(0, 5)]]) {
      const result = allocate(
        d('0.07'),
        'USD',
        order.map((tenant) => ({ tenant, weight: d(1) })),
      );
      assert.deepEqual(asStrings(result), expected);
    }
  });

  it('keeps the map in input order', () => {
    assert.deepEqual([...allocate(d('3'), 'JPY', shares({ z: 1, a: 1, m: 1 })).keys()], ['z', 'a', 'm']);
  });

  it('gives a zero-weight tenant nothing, even when it would win the name tie-break', () => {
    assert.deepEqual(allocated('0.01', 'USD', { a: 0, b: 1, c: 1 }), { a: '0', b: '0.01', c: '0' });
  });

  it('falls back to equal shares when every weight is zero', () => {
    assert.deepEqual(allocated('0.03', 'USD', { a: 0, b: 0, c: 0 }), { a: '0.01', b: '0.01', c: '0.01' });
  });

  it('hands leftovers by name in the all-zero fallback', () => {
    assert.deepEqual(allocated('0.05', 'USD', { c: '0', b: '0.000', a: 0 }), {
      c: '0.01',
      b: '0.02',
      a: '0.02',
    });
  });

  it('allocates a negative amount (a refund) with the same exactness, mirrored', () => {
    assert.deepEqual(allocated('-100.00', 'USD', { b: 1, a: 1, c: 1 }), {
      b: '-33.33',
      a: '-33.34',
      c: '-33.33',
    });
  });

  it('allocates a tiny refund of -0.01 USD over 3 tenants', () => {
    assert.deepEqual(allocated('-0.01', 'USD', { a: 1, b: 1, c: 1 }), { a: '-0.01', b: '0', c: '0' });
  });

  it('allocates zero as zero everywhere', () => {
    assert.deepEqual(allocated('0', 'USD', { a: 1, b: 2 }), { a: '0', b: '0' });
  });

  it('works in whole yen (JPY, 0 decimals)', () => {
    assert.deepEqual(allocated('1000', 'JPY', { a: 1, b: 1, c: 1 }), { a: '334', b: '333', c: '333' });
  });

  it('works in fils (KWD, 3 decimals)', () => {
    assert.deepEqual(allocated('10.000', 'KWD', { a: 1, b: 1, c: 1 }), {
      a: '3.334',
      b: '3.333',
      c: '3.333',
    });
  });

  it('splits the smallest KWD unit between two tenants by name', () => {
    assert.deepEqual(allocated('0.001', 'KWD', { y: 1, x: 1 }), { y: '0', x: '0.001' });
  });

  it('refuses an amount that is not whole minor units (2.5 JPY, 0.001 USD)', () => {
    assert.throws(() => allocate(d('2.5'), 'JPY', shares({ a: 1 })), /more than 0 decimals for JPY/);
    assert.throws(() => allocate(d('0.001'), 'USD', shares({ a: 1 })), /more than 2 decimals for USD/);
  });

  it('refuses negative weights, duplicate tenants and an empty list', () => {
    assert.throws(() => allocate(d(1), 'USD', shares({ a: -1, b: 2 })), /weight of a is negative/);
    assert.throws(
      () => allocate(d(1), 'USD', [...shares({ a: 1 }), ...shares({ a: 2 })]),
      /tenant a appears twice/,
    );
    assert.throws(() => allocate(d(1), 'USD', []), /no tenants/);
  });

  it('handles weights with many decimals exactly', () => {
    const result = allocated('100.00', 'USD', {
      a: '0.333333333333333333333333',
      b: '0.333333333333333333333333',
      c: '0.333333333333333333333334',
    });
    assert.deepEqual(result, { a: '33.33', b: '33.33', c: '33.34' });
  });

  it('allocates 1e12-scale amounts exactly, each within one cent of its share', () => {
    const weights = { a: '1.5', b: '2.25', c: '7', d: '0.001', e: '123456.789', f: '0', g: '3' };
    const result = allocate(d('999999999999.99'), 'USD', shares(weights));
    assertDec(sumMoney(result.values()), '999999999999.99');
    const total = Object.values(weights).reduce((s, w) => s.plus(w), d(0));
    for (const [tenant, w] of Object.entries(weights)) {
      const exact = d('999999999999.99').times(w).dividedBy(total);
      assert.ok(result.get(tenant)!.minus(exact).abs().lessThan('0.01'), `${tenant} within a cent`);
    }
  });

  it('is exact for global-Decimal inputs longer than the global precision', () => {
    const amount = new Decimal('12345678901234567890123.45'); // 25 digits; the global precision is 20
    const result = allocate(amount, 'USD', [
      { tenant: 'a', weight: new Decimal(1) },
      { tenant: 'b', weight: new Decimal(2) },
    ]);
    assertDec(sumMoney(result.values()), '12345678901234567890123.45');
    assertDec(result.get('a'), '4115226300411522630041.15');
  });
});

describe('unit: billing allocation, strategies', () => {
  const usage = (entries: Record<string, string | number>) =>
    Object.entries(entries).map(([tenant, u]) => ({ tenant, usage: d(u) }));

  it('proportional: 10.00 USD by usage 100 and 300 → 2.50 and 7.50', () => {
    assert.deepEqual(
      asStrings(allocateWith(d('10.00'), 'USD', { kind: 'proportional', usage: usage({ a: 100, b: 300 }) })),
      {
        a: '2.5',
        b: '7.5',
      },
    );
  });

  it('proportional: a tenant with zero usage gets 0', () => {
    const result = allocateWith(d('10.00'), 'USD', {
      kind: 'proportional',
      usage: usage({ a: 0, b: 1, c: 3 }),
    });
    assert.deepEqual(asStrings(result), { a: '0', b: '2.5', c: '7.5' });
  });

  it('proportional: all tenants with zero usage fall back to equal shares', () => {
    const result = allocateWith(d('10.00'), 'USD', {
      kind: 'proportional',
      usage: usage({ a: 0, b: 0, c: 0 }),
    });
    assert.deepEqual(asStrings(result), { a: '3.34', b: '3.33', c: '3.33' });
  });

  it('proportionalShares keeps usage as the weight', () => {
    assert.deepEqual(
      proportionalShares(usage({ a: '1.5' })).map((s) => [s.tenant, s.weight.toString()]),
      [['a', '1.5']],
    );
  });

  it('equal: splits regardless of usage', () => {
    assert.deepEqual(asStrings(allocateWith(d('100'), 'JPY', { kind: 'equal', tenants: ['x', 'y', 'z'] })), {
      x: '34',
      y: '33',
      z: '33',
    });
    assert.equal(equalShares(['a', 'b']).length, 2);
  });

  const twoTiers: Tier[] = [
    { upTo: d(100), multiplier: d('1.0') },
    { upTo: null, multiplier: d('0.5') },
  ];

  it('tieredWeight: first 100 units at 1.0, the rest at 0.5', () => {
    assertDec(tieredWeight(d(250), twoTiers), 175);
    assertDec(tieredWeight(d(100), twoTiers), 100);
    assertDec(tieredWeight(d(50), twoTiers), 50);
    assertDec(tieredWeight(d(0), twoTiers), 0);
  });

  it('tieredWeight: three tiers, including a free top tier', () => {
    const tiers: Tier[] = [
      { upTo: d(10), multiplier: d(2) },
      { upTo: d(20), multiplier: d(1) },
      { upTo: null, multiplier: d(0) },
    ];
    assertDec(tieredWeight(d(30), tiers), 30);
    assertDec(tieredWeight(d(15), tiers), 25);
    assertDec(tieredWeight(d(5), tiers), 10);
  });

  it('tiered: 225.00 USD over usage 250 and 50 → weights 175 and 50', () => {
    const result = allocateWith(d('225.00'), 'USD', {
      kind: 'tiered',
      usage: usage({ a: 250, b: 50 }),
      tiers: twoTiers,
    });
    assert.deepEqual(asStrings(result), { a: '175', b: '50' });
    assert.equal(tieredShares(usage({ a: 250 }), twoTiers)[0]!.weight.toString(), '175');
  });

  it('tiered: refuses thresholds that do not increase, a closed last tier, or an open middle tier', () => {
    const bad: Tier[][] = [
      [
        { upTo: d(10), multiplier: d(1) },
        { upTo: d(10), multiplier: d(1) },
        { upTo: null, multiplier: d(1) },
      ],
      [{ upTo: d(10), multiplier: d(1) }],
      [
        { upTo: null, multiplier: d(1) },
        { upTo: null, multiplier: d(1) },
      ],
      [],
      [{ upTo: null, multiplier: d(-1) }],
    ];
    for (const tiers of bad) assert.throws(() => tieredWeight(d(1), tiers), RangeError);
  });

  const category = (name: string, weight: string | number, u: Record<string, string | number>) => ({
    name,
    weight: d(weight),
    usage: usage(u),
  });

  it('custom 70/30: compute by compute usage, storage by storage usage, summed per tenant', () => {
    const result = allocateByCategory(d('100.00'), 'USD', [
      category('compute', 70, { a: 1, b: 3 }),
      category('storage', 30, { a: 1, b: 1 }),
    ]);
    assert.deepEqual(asStrings(result.byCategory.get('compute')!), { a: '17.5', b: '52.5' });
    assert.deepEqual(asStrings(result.byCategory.get('storage')!), { a: '15', b: '15' });
    assert.deepEqual(asStrings(result.total), { a: '32.5', b: '67.5' });
  });

  it('custom 70/30 with rounding in both steps still sums exactly', () => {
    const result = allocateByCategory(d('0.10'), 'USD', [
      category('compute', '0.7', { a: 1, b: 1, c: 1 }),
      category('storage', '0.3', { a: 5 }),
    ]);
    assert.deepEqual(asStrings(result.total), { a: '0.06', b: '0.02', c: '0.02' });
    assertDec(sumMoney(result.total.values()), '0.10');
  });

  it('custom: fractions 0.7/0.3 and weights 70/30 give the same answer', () => {
    const run = (w1: string, w2: string) =>
      asStrings(
        allocateWith(d('1234.57'), 'EUR', {
          kind: 'custom',
          categories: [
            category('compute', w1, { a: 7, b: 2, c: 0 }),
            category('storage', w2, { b: 1, c: 9 }),
          ],
        }),
      );
    assert.deepEqual(run('0.7', '0.3'), run('70', '30'));
    assertDec(sumMoney(Object.values(run('0.7', '0.3')).map((v) => d(v))), '1234.57');
  });

  it('custom: a refund is split over categories with the same exactness', () => {
    const result = allocateByCategory(d('-0.999'), 'KWD', [
      category('compute', 70, { a: 1, b: 1 }),
      category('storage', 30, { a: 1, c: 2 }),
    ]);
    assertDec(sumMoney(result.total.values()), '-0.999');
    for (const v of result.total.values()) assert.ok(v.lessThanOrEqualTo(0), `${v.toString()} <= 0`);
  });

  it('custom: refuses a category with no tenants, and duplicate category names', () => {
    assert.throws(() => allocateByCategory(d(1), 'USD', [category('compute', 1, {})]), /no tenants/);
    assert.throws(
      () => allocateByCategory(d(1), 'USD', [category('x', 1, { a: 1 }), category('x', 1, { a: 1 })]),
      /appears twice/,
    );
  });
});
