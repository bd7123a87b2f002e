// Invoice lines: proration into lines per (class, region, unit price), one banker's rounding per line, subtotal as
// the sum of rounded lines, partial periods, mid-period price changes and half-open period boundaries.
import assert from 'node:assert/strict';
import {
  buildInvoice,
  type Invoice,
  type InvoiceInput,
} from '../../../controllers/billing/domain/invoice.ts';
import type { Currency } from '../../../controllers/billing/domain/money.ts';
import { monthPeriod } from '../../../controllers/billing/domain/period.ts';
import {
  MissingPriceError,
  type PriceEntry,
  type UsageSegment,
} from '../../../controllers/billing/domain/proration.ts';
import { assertDec, d, utc } from './assert-decimal.ts';

const april = monthPeriod(2024, 4); // 30 days, 720 hours

const price = (
  resourceClass: string,
  unitPricePerHour: string,
  opts: { region?: string; currency?: Currency; from?: string; to?: string } = {},
): PriceEntry => ({
  resourceClass,
  region: opts.region ?? 'eu-west',
  currency: opts.currency ?? 'USD',
  unitPricePerHour: d(unitPricePerHour),
  effectiveFrom: utc(opts.from ?? '2024-01-01'),
  effectiveTo: opts.to ? utc(opts.to) : null,
});

const use = (
  resourceClass: string,
  start: string,
  end: string,
  quantity = 1,
  region = 'eu-west',
): UsageSegment => ({
  resourceClass,
  region,
  start: utc(start),
  end: utc(end),
  quantity: d(quantity),
});

const invoice = (input: Partial<InvoiceInput>): Invoice =>
  buildInvoice({
    tenant: 'acme',
    currency: 'USD',
    period: april,
    usage: [],
    catalogue: [],
    taxRate: d(0),
    ...input,
  });

/** [class, region, unit price, quantity, amount] per line, as strings. */
const lines = (inv: Invoice) =>
  inv.lines.map((l) => [
    l.resourceClass,
    l.region,
    l.unitPricePerHour.toString(),
    l.quantity.toString(),
    l.amount.toString(),
  ]);

describe('unit: billing invoice lines', () => {
  it('bills a resource running the whole month: 720 h × 0.0125 = 9.00 USD', () => {
    const inv = invoice({
      usage: [use('vm.small', '2024-04-01', '2024-05-01')],
      catalogue: [price('vm.small', '0.0125')],
    });
    assert.deepEqual(lines(inv), [['vm.small', 'eu-west', '0.0125', '720', '9']]);
    assertDec(inv.subtotal, '9.00');
    assertDec(inv.total, '9.00');
  });

  it('prorates a resource running part of the period: 9.5 days × 2 units = 456 unit-h → 5.70', () => {
    const inv = invoice({
      usage: [use('vm.small', '2024-04-10T12:00:00', '2024-04-20', 2)],
      catalogue: [price('vm.small', '0.0125')],
    });
    assert.deepEqual(lines(inv), [['vm.small', 'eu-west', '0.0125', '456', '5.7']]);
  });

  it('rounds a line once, after summing its usage: two 0.005 halves make 0.01, not 0.00 + 0.00', () => {
    const inv = invoice({
      usage: [
        use('vm.small', '2024-04-02T00:00:00', '2024-04-02T00:30:00'),
        use('vm.small', '2024-04-03T00:00:00', '2024-04-03T00:30:00'),
      ],
      catalogue: [price('vm.small', '0.01')],
    });
    assert.equal(inv.lines.length, 1);
    assertDec(inv.lines[0]!.exactAmount, '0.01');
    assertDec(inv.lines[0]!.amount, '0.01');
  });

  it('rounds a line of a thousand half-hours worth 0.0049 each once: 4.90, where per-piece rounding gives 0', () => {
    const usage = Array.from({ length: 1000 }, (_, i) => {
      const start = new Date(april.start.getTime() + i * 1800_000);
      return {
        ...use('vm.small', '2024-04-01', '2024-04-01'),
        start,
        end: new Date(start.getTime() + 1800_000),
      };
    });
    const inv = invoice({ usage, catalogue: [price('vm.small', '0.0098')] });
    assert.deepEqual(lines(inv), [['vm.small', 'eu-west', '0.0098', '500', '4.9']]);
  });

  it('rounds half to even in USD: 0.125 → 0.12 and 0.135 → 0.14', () => {
    const inv = invoice({
      usage: [
        use('a', '2024-04-01T00:00:00', '2024-04-01T01:00:00'),
        use('b', '2024-04-01T00:00:00', '2024-04-01T01:00:00'),
      ],
      catalogue: [price('a', '0.125'), price('b', '0.135')],
    });
    assert.deepEqual(
      inv.lines.map((l) => [l.exactAmount.toString(), l.amount.toString()]),
      [
        ['0.125', '0.12'],
        ['0.135', '0.14'],
      ],
    );
  });

  it('makes the subtotal the sum of rounded lines: 0.12 + 0.12 = 0.24, not round(0.25)', () => {
    const inv = invoice({
      usage: [
        use('a', '2024-04-01T00:00:00', '2024-04-01T01:00:00'),
        use('b', '2024-04-01T00:00:00', '2024-04-01T01:00:00'),
      ],
      catalogue: [price('a', '0.125'), price('b', '0.125')],
    });
    assertDec(inv.subtotal, '0.24');
    assertDec(inv.total, '0.24');
  });

  it('rounds half to even in JPY (0 decimals): 2.5 → 2 and 3.5 → 4', () => {
    const inv = invoice({
      currency: 'JPY',
      usage: [
        use('a', '2024-04-01T00:00:00', '2024-04-01T01:00:00'),
        use('b', '2024-04-01T00:00:00', '2024-04-01T01:00:00'),
      ],
      catalogue: [price('a', '2.5', { currency: 'JPY' }), price('b', '3.5', { currency: 'JPY' })],
    });
    assert.deepEqual(
      inv.lines.map((l) => l.amount.toString()),
      ['2', '4'],
    );
    assertDec(inv.subtotal, 6);
  });

  it('rounds half to even in KWD (3 decimals): 0.0125 → 0.012 and 0.0135 → 0.014', () => {
    const inv = invoice({
      currency: 'KWD',
      usage: [
        use('a', '2024-04-01T00:00:00', '2024-04-01T01:00:00'),
        use('b', '2024-04-01T00:00:00', '2024-04-01T01:00:00'),
      ],
      catalogue: [price('a', '0.0125', { currency: 'KWD' }), price('b', '0.0135', { currency: 'KWD' })],
    });
    assert.deepEqual(
      inv.lines.map((l) => l.amount.toString()),
      ['0.012', '0.014'],
    );
    assertDec(inv.subtotal, '0.026');
  });

  const priceChange = [
    price('vm.small', '0.01', { to: '2024-04-16' }),
    price('vm.small', '0.02', { from: '2024-04-16' }),
  ];

  it('splits a mid-period price change into one line per unit price: 360 h × 0.01 + 360 h × 0.02', () => {
    const inv = invoice({ usage: [use('vm.small', '2024-04-01', '2024-05-01')], catalogue: priceChange });
    assert.deepEqual(lines(inv), [
      ['vm.small', 'eu-west', '0.01', '360', '3.6'],
      ['vm.small', 'eu-west', '0.02', '360', '7.2'],
    ]);
    assertDec(inv.subtotal, '10.80');
  });

  it('prorates a partial run across a price change: 36 h and 54 h × 3 units', () => {
    const inv = invoice({
      usage: [use('vm.small', '2024-04-14T12:00:00', '2024-04-18T06:00:00', 3)],
      catalogue: priceChange,
    });
    assert.deepEqual(lines(inv), [
      ['vm.small', 'eu-west', '0.01', '108', '1.08'],
      ['vm.small', 'eu-west', '0.02', '162', '3.24'],
    ]);
    assertDec(inv.subtotal, '4.32');
  });

  it('merges several resources into the line of each price', () => {
    const inv = invoice({
      usage: [use('vm.small', '2024-04-15', '2024-04-17'), use('vm.small', '2024-04-10', '2024-04-20', 2)],
      catalogue: priceChange,
    });
    // before the change: 24 h + 2 × 144 h = 312; after: 24 h + 2 × 96 h = 216
    assert.deepEqual(lines(inv), [
      ['vm.small', 'eu-west', '0.01', '312', '3.12'],
      ['vm.small', 'eu-west', '0.02', '216', '4.32'],
    ]);
  });

  it('keeps only the part of a segment inside the period', () => {
    const inv = invoice({
      usage: [use('vm.small', '2024-03-31T12:00:00', '2024-05-01T12:00:00')],
      catalogue: [price('vm.small', '0.0125')],
    });
    assert.deepEqual(lines(inv), [['vm.small', 'eu-west', '0.0125', '720', '9']]);
  });

  it('treats the period as half-open: usage starting exactly at its end belongs to the next period', () => {
    const usage = [
      use('vm.small', '2024-05-01T00:00:00', '2024-05-01T10:00:00'),
      use('vm.small', '2024-03-31T20:00:00', '2024-04-01T00:00:00'),
    ];
    const catalogue = [price('vm.small', '1')];
    assert.deepEqual(invoice({ usage, catalogue }).lines, []);
    assertDec(invoice({ usage, catalogue, period: monthPeriod(2024, 5) }).subtotal, 10);
    assertDec(invoice({ usage, catalogue, period: monthPeriod(2024, 3) }).subtotal, 4);
  });

  it('gives each region its own line', () => {
    const inv = invoice({
      usage: [
        use('vm.small', '2024-04-01T00:00:00', '2024-04-01T10:00:00', 1, 'us-east'),
        use('vm.small', '2024-04-01T00:00:00', '2024-04-01T10:00:00'),
      ],
      catalogue: [price('vm.small', '0.10'), price('vm.small', '0.20', { region: 'us-east' })],
    });
    assert.deepEqual(lines(inv), [
      ['vm.small', 'eu-west', '0.1', '10', '1'],
      ['vm.small', 'us-east', '0.2', '10', '2'],
    ]);
  });

  it('sorts lines by class, region and price whatever the usage order', () => {
    const inv = invoice({
      usage: [
        use('z', '2024-04-01', '2024-04-02'),
        use('a', '2024-04-20', '2024-04-21'),
        use('a', '2024-04-01', '2024-04-02'),
      ],
      catalogue: [
        price('z', '1'),
        ...[price('a', '2', { to: '2024-04-10' }), price('a', '1', { from: '2024-04-10' })],
      ],
    });
    assert.deepEqual(
      inv.lines.map((l) => `${l.resourceClass}@${l.unitPricePerHour.toString()}`),
      ['a@1', 'a@2', 'z@1'],
    );
  });

  it('computes amounts from seconds: 20 minutes at 0.03/h is exactly 0.01', () => {
    const inv = invoice({
      usage: [use('vm.small', '2024-04-01T00:00:00', '2024-04-01T00:20:00')],
      catalogue: [price('vm.small', '0.03')],
    });
    assertDec(inv.lines[0]!.exactAmount, '0.01');
    assertDec(inv.lines[0]!.quantity, d(1200).dividedBy(3600));
    assertDec(inv.lines[0]!.unitSeconds, 1200);
  });

  it('bills milliseconds exactly: 1.5 s at 3600 USD/h is 1.50', () => {
    const inv = invoice({
      usage: [use('vm.small', '2024-04-01T00:00:00.000', '2024-04-01T00:00:01.500')],
      catalogue: [price('vm.small', '3600')],
    });
    assertDec(inv.subtotal, '1.50');
  });

  it('bills zero quantity as a zero line', () => {
    const inv = invoice({
      usage: [use('vm.small', '2024-04-01', '2024-05-01', 0)],
      catalogue: [price('vm.small', '1')],
    });
    assertDec(inv.lines[0]!.amount, 0);
  });

  it('produces an empty, zero invoice without usage', () => {
    const inv = invoice({ taxRate: d('0.19'), credits: [{ id: 'c', balance: d(5) }] });
    assert.deepEqual(inv.lines, []);
    for (const part of [inv.subtotal, inv.discountTotal, inv.tax, inv.creditTotal, inv.total])
      assertDec(part, 0);
    assertDec(inv.credits[0]!.remaining, 5);
  });

  it('refuses usage without a price, naming class, region, currency and time', () => {
    assert.throws(
      () =>
        invoice({
          usage: [use('gpu.a100', '2024-04-03', '2024-04-04')],
          catalogue: [price('vm.small', '1')],
        }),
      (e: unknown) => {
        assert.ok(e instanceof MissingPriceError);
        assert.equal(e.resourceClass, 'gpu.a100');
        assert.equal(e.region, 'eu-west');
        assert.equal(e.currency, 'USD');
        assert.equal(e.at.toISOString(), '2024-04-03T00:00:00.000Z');
        assert.match(
          e.message,
          /"gpu\.a100" in region "eu-west" in USD from 2024-04-03T00:00:00\.000Z to 2024-04-04/,
        );
        return true;
      },
    );
  });

  it('refuses usage past the end of a price with no successor', () => {
    assert.throws(
      () =>
        invoice({
          usage: [use('vm.small', '2024-04-01', '2024-05-01')],
          catalogue: [price('vm.small', '1', { to: '2024-04-20' })],
        }),
      /from 2024-04-20T00:00:00\.000Z to 2024-05-01T00:00:00\.000Z/,
    );
  });

  it('refuses usage priced only in another currency', () => {
    assert.throws(
      () =>
        invoice({
          usage: [use('vm.small', '2024-04-01', '2024-04-02')],
          catalogue: [price('vm.small', '1', { currency: 'EUR' })],
        }),
      /in USD/,
    );
  });

  it('refuses an invalid period and a negative tax rate', () => {
    assert.throws(() => invoice({ period: { start: new Date('nope'), end: april.end } }), /invalid Date/);
    assert.throws(() => invoice({ taxRate: d('-0.1') }), /tax rate is negative/);
  });
});
