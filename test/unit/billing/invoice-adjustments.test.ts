// Invoice adjustments in their documented order: percentage discounts, fixed discounts (never below zero),
// tax on the discounted subtotal, credits last with the remaining balance; each part rounded once.
import assert from 'node:assert/strict';
import type { Discount } from '../../../controllers/billing/domain/discounts.ts';
import { buildInvoice, type Credit, type Invoice } from '../../../controllers/billing/domain/invoice.ts';
import { type Currency, type Decimal } from '../../../controllers/billing/domain/money.ts';
import { monthPeriod } from '../../../controllers/billing/domain/period.ts';
import { assertDec, d } from './assert-decimal.ts';
import { Random } from './prng.ts';

const april = monthPeriod(2024, 4);
const hour = { start: new Date('2024-04-01T00:00:00Z'), end: new Date('2024-04-01T01:00:00Z') };

/** An invoice whose lines are exactly `gross` per resource class (one hour of one unit at that price). */
function invoiceOf(
  gross: Record<string, string>,
  opts: { discounts?: Discount[]; credits?: Credit[]; taxRate?: string; currency?: Currency } = {},
): Invoice {
  const currency = opts.currency ?? 'USD';
  const classes = Object.keys(gross);
  return buildInvoice({
    tenant: 'acme',
    currency,
    period: april,
    usage: classes.map((resourceClass) => ({ resourceClass, region: 'eu-west', ...hour, quantity: d(1) })),
    catalogue: classes.map((resourceClass) => ({
      resourceClass,
      region: 'eu-west',
      currency,
      unitPricePerHour: d(gross[resourceClass]!),
      effectiveFrom: april.start,
    })),
    discounts: opts.discounts ?? [],
    credits: opts.credits ?? [],
    taxRate: d(opts.taxRate ?? '0'),
  });
}

const pct = (id: string, rate: string, resourceClass?: string): Discount => ({
  kind: 'percentage',
  id,
  rate: d(rate),
  resourceClass,
});
const fixed = (id: string, amount: string, resourceClass?: string): Discount => ({
  kind: 'fixed',
  id,
  amount: d(amount),
  resourceClass,
});
const credit = (id: string, balance: string): Credit => ({ id, balance: d(balance) });
const amounts = (parts: { amount?: Decimal; applied?: Decimal }[]) =>
  parts.map((p) => (p.amount ?? p.applied)!.toString());

function assertSumOfParts(inv: Invoice): void {
  assertDec(
    inv.total,
    inv.subtotal.minus(inv.discountTotal).plus(inv.tax).minus(inv.creditTotal),
    'total = sum of parts',
  );
}

describe('unit: billing invoice discounts', () => {
  it('takes 10 % off every line: 9.00 → 0.90 off → 8.10', () => {
    const inv = invoiceOf({ compute: '9.00' }, { discounts: [pct('p', '0.10')] });
    assert.deepEqual(amounts(inv.discounts), ['0.9']);
    assertDec(inv.discountedSubtotal, '8.10');
  });

  it('rounds each percentage discount once, half to even: 0.125 → 0.12, 0.135 → 0.14', () => {
    assertDec(invoiceOf({ a: '1.25' }, { discounts: [pct('p', '0.1')] }).discountTotal, '0.12');
    assertDec(invoiceOf({ a: '1.35' }, { discounts: [pct('p', '0.1')] }).discountTotal, '0.14');
  });

  it('rounds percentage discounts half to even in JPY: 2.5 → 2, 3.5 → 4', () => {
    assertDec(invoiceOf({ a: '25' }, { currency: 'JPY', discounts: [pct('p', '0.1')] }).discountTotal, 2);
    assertDec(invoiceOf({ a: '35' }, { currency: 'JPY', discounts: [pct('p', '0.1')] }).discountTotal, 4);
  });

  it('limits a percentage discount to the lines of its resource class', () => {
    const inv = invoiceOf({ compute: '10.00', storage: '5.00' }, { discounts: [pct('p', '0.2', 'compute')] });
    assert.deepEqual(amounts(inv.discounts), ['2']);
    assertDec(inv.discounts[0]!.base, '10.00');
    assertDec(inv.discountedSubtotal, '13.00');
  });

  it('applies nothing for a discount on a class with no lines', () => {
    const inv = invoiceOf(
      { compute: '10.00' },
      { discounts: [pct('p', '0.5', 'gpu'), fixed('f', '3', 'gpu')] },
    );
    assert.deepEqual(amounts(inv.discounts), ['0', '0']);
    assertDec(inv.discountedSubtotal, '10.00');
  });

  it('compounds percentage discounts in input order: 10 % then 10 % of 10.00 is 1.00 + 0.90', () => {
    const inv = invoiceOf({ compute: '10.00' }, { discounts: [pct('a', '0.1'), pct('b', '0.1')] });
    assert.deepEqual(amounts(inv.discounts), ['1', '0.9']);
    assert.deepEqual(
      inv.discounts.map((x) => x.base.toString()),
      ['10', '9'],
    );
  });

  it('applies percentage discounts before fixed ones whatever the input order', () => {
    const inv = invoiceOf({ compute: '10.00' }, { discounts: [fixed('f', '5.00'), pct('p', '0.5')] });
    assert.deepEqual(
      inv.discounts.map((x) => x.id),
      ['p', 'f'],
    );
    assert.deepEqual(amounts(inv.discounts), ['5', '5']);
    assertDec(inv.discountedSubtotal, 0);
  });

  it('never takes a fixed discount below zero, and reports what was asked', () => {
    const inv = invoiceOf({ compute: '9.00' }, { discounts: [fixed('f', '20.00')], taxRate: '0.19' });
    assertDec(inv.discounts[0]!.requested, '20.00');
    assertDec(inv.discounts[0]!.amount, '9.00');
    assertDec(inv.discountedSubtotal, 0);
    assertDec(inv.tax, 0);
    assertDec(inv.total, 0);
  });

  it('caps a class-limited fixed discount at that class', () => {
    const inv = invoiceOf(
      { compute: '10.00', storage: '5.00' },
      { discounts: [fixed('f', '7.00', 'storage')] },
    );
    assertDec(inv.discountTotal, '5.00');
    assertDec(inv.discountedSubtotal, '10.00');
  });

  it('lets a later class-limited discount see only what an all-lines discount left of its class', () => {
    // 50 % of 15.00 = 7.50, spread 5.00 on compute and 2.50 on storage; storage then has 2.50 left.
    const inv = invoiceOf(
      { compute: '10.00', storage: '5.00' },
      { discounts: [pct('all', '0.5'), fixed('s', '4.00', 'storage')] },
    );
    assert.deepEqual(amounts(inv.discounts), ['7.5', '2.5']);
    assertDec(inv.discounts[1]!.base, '2.50');
    assertDec(inv.discountedSubtotal, '5.00');
  });

  it('stops at zero with a 100 % discount followed by more discounts', () => {
    const inv = invoiceOf(
      { compute: '3.33' },
      { discounts: [pct('all', '1'), pct('more', '0.5'), fixed('f', '1')] },
    );
    assert.deepEqual(amounts(inv.discounts), ['3.33', '0', '0']);
    assertDec(inv.total, 0);
  });

  it('refuses rates outside 0..1 and fixed amounts that are negative or finer than the currency', () => {
    for (const bad of [pct('p', '1.01'), pct('p', '-0.1'), fixed('f', '-1'), fixed('f', '0.001')]) {
      assert.throws(() => invoiceOf({ compute: '1' }, { discounts: [bad] }), RangeError);
    }
  });
});

describe('unit: billing invoice tax and credits', () => {
  it('taxes the discounted subtotal, rounded once: 8.10 × 19 % = 1.539 → 1.54', () => {
    const inv = invoiceOf({ compute: '9.00' }, { discounts: [pct('p', '0.1')], taxRate: '0.19' });
    assertDec(inv.tax, '1.54');
    assertDec(inv.taxedTotal, '9.64');
    assertSumOfParts(inv);
  });

  it('taxes after discounts, not on the gross: 10.00 − 10 % → 9.00 × 19 % = 1.71', () => {
    assertDec(invoiceOf({ compute: '10.00' }, { discounts: [pct('p', '0.1')], taxRate: '0.19' }).tax, '1.71');
  });

  it('rounds tax half to even: 1.25 × 10 % → 0.12, 1.35 × 10 % → 0.14', () => {
    assertDec(invoiceOf({ compute: '1.25' }, { taxRate: '0.1' }).tax, '0.12');
    assertDec(invoiceOf({ compute: '1.35' }, { taxRate: '0.1' }).tax, '0.14');
  });

  it('charges no tax at rate zero', () => {
    assertDec(invoiceOf({ compute: '10.00' }, { taxRate: '0' }).tax, 0);
  });

  it('applies a credit last, to the taxed total: 9.64 − 5.00 = 4.64, tax unchanged', () => {
    const inv = invoiceOf(
      { compute: '9.00' },
      { discounts: [pct('p', '0.1')], taxRate: '0.19', credits: [credit('c', '5.00')] },
    );
    assertDec(inv.tax, '1.54');
    assertDec(inv.credits[0]!.applied, '5.00');
    assertDec(inv.credits[0]!.remaining, 0);
    assertDec(inv.total, '4.64');
    assertSumOfParts(inv);
  });

  it('never takes the total below zero and returns the unused credit', () => {
    const inv = invoiceOf(
      { compute: '9.00' },
      { discounts: [pct('p', '0.1')], taxRate: '0.19', credits: [credit('c', '20.00')] },
    );
    assert.deepEqual(
      inv.credits.map((c) => [c.balanceBefore, c.applied, c.remaining].map(String)),
      [['20', '9.64', '10.36']],
    );
    assertDec(inv.total, 0);
  });

  it('uses credits in input order, leaving later ones untouched once the total is paid', () => {
    const inv = invoiceOf(
      { compute: '9.00' },
      {
        discounts: [pct('p', '0.1')],
        taxRate: '0.19',
        credits: [credit('a', '3.00'), credit('b', '10.00'), credit('c', '5')],
      },
    );
    assert.deepEqual(
      inv.credits.map((c) => [c.id, c.applied.toString(), c.remaining.toString()]),
      [
        ['a', '3', '0'],
        ['b', '6.64', '3.36'],
        ['c', '0', '5'],
      ],
    );
    assertDec(inv.creditTotal, '9.64');
    assertDec(inv.total, 0);
  });

  it('accepts a credit with no balance left', () => {
    const inv = invoiceOf({ compute: '1.00' }, { credits: [credit('empty', '0')] });
    assertDec(inv.credits[0]!.applied, 0);
    assertDec(inv.total, '1.00');
  });

  it('refuses negative credits and credits finer than the currency', () => {
    assert.throws(() => invoiceOf({ compute: '1' }, { credits: [credit('c', '-1')] }), /negative balance/);
    assert.throws(
      () => invoiceOf({ compute: '1' }, { credits: [credit('c', '0.001')] }),
      /more than 2 decimals/,
    );
  });

  it('builds a full USD invoice with every part shown and total = sum of the rounded parts', () => {
    const inv = invoiceOf(
      { compute: '123.45', storage: '67.89' },
      {
        discounts: [pct('vol', '0.05'), fixed('promo', '10.00', 'storage')],
        taxRate: '0.19',
        credits: [credit('goodwill', '25.00')],
      },
    );
    assertDec(inv.subtotal, '191.34');
    // 5 % of 191.34 = 9.567 → 9.57, of which storage bears 3.40 and keeps 64.49, more than the 10.00 promo
    assert.deepEqual(amounts(inv.discounts), ['9.57', '10']);
    assertDec(inv.discountedSubtotal, '171.77');
    assertDec(inv.tax, '32.64'); // 171.77 × 0.19 = 32.6363
    assertDec(inv.taxedTotal, '204.41');
    assertDec(inv.total, '179.41');
    assertSumOfParts(inv);
  });

  it('builds a full JPY invoice: 1250 − 125 = 1125, tax 112.5 → 112, credit 300 → 937', () => {
    const inv = invoiceOf(
      { compute: '1250' },
      { currency: 'JPY', discounts: [pct('p', '0.1')], taxRate: '0.1', credits: [credit('c', '300')] },
    );
    assert.deepEqual(
      [inv.subtotal, inv.discountTotal, inv.tax, inv.taxedTotal, inv.creditTotal, inv.total].map(String),
      ['1250', '125', '112', '1237', '300', '937'],
    );
  });

  it('builds a full KWD invoice: 1.050 − 0.052 = 0.998, tax 0.0499 → 0.050, credit leaves 0.952', () => {
    const inv = invoiceOf(
      { compute: '1.050' },
      { currency: 'KWD', discounts: [pct('p', '0.05')], taxRate: '0.05', credits: [credit('c', '2.000')] },
    );
    assert.deepEqual(
      [inv.subtotal, inv.discountTotal, inv.tax, inv.taxedTotal, inv.creditTotal, inv.total].map(String),
      ['1.05', '0.052', '0.05', '1.048', '1.048', '0'],
    );
    assertDec(inv.credits[0]!.remaining, '0.952');
  });

  it('holds its invariants over 300 seeded random invoices', () => {
    const r = new Random(19);
    for (let run = 0; run < 300; run++) {
      const currency = r.pick(['USD', 'JPY', 'KWD'] as const);
      const dp = { USD: 2, JPY: 0, KWD: 3 }[currency];
      const money = () => d(`${r.int(0, 5000)}${dp ? `.${r.digits(dp)}` : ''}`);
      const gross = Object.fromEntries(
        ['a', 'b', 'c'].slice(0, r.int(1, 3)).map((c) => [c, `${r.int(0, 999)}.${r.digits(5)}`]),
      );
      const discounts: Discount[] = Array.from({ length: r.int(0, 4) }, (_, i) =>
        r.chance(0.5)
          ? pct(`p${i}`, `0.${r.digits(3)}`, r.chance(0.5) ? r.pick(['a', 'b', 'x']) : undefined)
          : { kind: 'fixed', id: `f${i}`, amount: money(), resourceClass: r.chance(0.5) ? 'a' : undefined },
      );
      const credits = Array.from({ length: r.int(0, 3) }, (_, i) => ({ id: `c${i}`, balance: money() }));
      const inv = invoiceOf(gross, { currency, discounts, credits, taxRate: `0.${r.digits(2)}` });
      const context = `run ${run}`;
      for (const part of [
        inv.subtotal,
        inv.discountTotal,
        inv.tax,
        inv.creditTotal,
        inv.total,
        ...inv.lines.map((l) => l.amount),
      ]) {
        assert.ok(part.decimalPlaces() <= dp, `${context}: ${part.toString()} not whole minor units`);
        assert.ok(!part.isNegative(), `${context}: ${part.toString()} negative`);
      }
      assertDec(
        inv.subtotal,
        inv.lines.reduce((s, l) => s.plus(l.amount), d(0)),
        `${context}: subtotal`,
      );
      assertSumOfParts(inv);
      for (const c of inv.credits)
        assertDec(c.applied.plus(c.remaining), c.balanceBefore, `${context}: credit balance`);
    }
  });
});
