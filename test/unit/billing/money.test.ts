// Money: banker's rounding per currency, parsing, formatting, minor-unit conversion, independence from global config.
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import {
  Dec,
  formatMoney,
  fromMinor,
  isWholeMinor,
  minorUnits,
  parseMoney,
  roundToMinor,
  sumMoney,
  toMinor,
} from '../../../controllers/billing/domain/money.ts';
import { assertDec, d } from './assert-decimal.ts';

describe('unit: billing money', () => {
  it('knows the minor units of USD, JPY and KWD from the shared currency table', () => {
    assert.deepEqual([minorUnits('USD'), minorUnits('JPY'), minorUnits('KWD')], [2, 0, 3]);
  });

  it('rounds half to even: 0.125 → 0.12, 0.135 → 0.14 USD; 2.5 → 2, 3.5 → 4 JPY; 0.0005 → 0.000 KWD', () => {
    assertDec(roundToMinor(d('0.125'), 'USD'), '0.12');
    assertDec(roundToMinor(d('0.135'), 'USD'), '0.14');
    assertDec(roundToMinor(d('2.5'), 'JPY'), 2);
    assertDec(roundToMinor(d('3.5'), 'JPY'), 4);
    assertDec(roundToMinor(d('0.0005'), 'KWD'), 0);
    assertDec(roundToMinor(d('0.0015'), 'KWD'), '0.002');
  });

  it('rounds negative halves to even too, and non-halves to nearest', () => {
    assertDec(roundToMinor(d('-0.125'), 'USD'), '-0.12');
    assertDec(roundToMinor(d('-2.5'), 'JPY'), -2);
    assertDec(roundToMinor(d('0.1250000001'), 'USD'), '0.13');
    assertDec(roundToMinor(d('0.1349999999'), 'USD'), '0.13');
  });

  it('rounds long values exactly, beyond 40 significant digits', () => {
    const long = new Dec('123456789012345678901234567890123456789.125');
    assert.equal(roundToMinor(long, 'USD').toFixed(2), '123456789012345678901234567890123456789.12');
  });

  it('ignores a global Decimal configuration', () => {
    const saved = { precision: Decimal.precision, rounding: Decimal.rounding };
    Decimal.set({ precision: 5, rounding: Decimal.ROUND_UP });
    try {
      assertDec(roundToMinor(new Decimal('1234567.125'), 'USD'), '1234567.12');
      assertDec(sumMoney([new Decimal('1234567.01'), new Decimal('0.02')]), '1234567.03');
    } finally {
      Decimal.set(saved);
    }
  });

  it('parses plain decimal strings and refuses anything else', () => {
    assertDec(parseMoney('12.34', 'USD'), '12.34');
    assertDec(parseMoney(' -5 ', 'JPY'), -5);
    assertDec(parseMoney('0.125', 'KWD'), '0.125');
    for (const bad of ['12.345', '1e3', '1,000.00', '', '.5', 'abc', '12.']) {
      assert.throws(() => parseMoney(bad, 'USD'), RangeError, bad);
    }
    assert.throws(() => parseMoney('2.5', 'JPY'), /more than 0 decimals/);
  });

  it('formats with the currency’s decimals, banker’s-rounded, and no negative zero', () => {
    assert.equal(formatMoney(d('1234.5'), 'USD'), '1234.50 USD');
    assert.equal(formatMoney(d('2.5'), 'JPY'), '2 JPY');
    assert.equal(formatMoney(d('-1.2'), 'KWD'), '-1.200 KWD');
    assert.equal(formatMoney(d('0.125'), 'USD'), '0.12 USD');
    assert.equal(formatMoney(d('-0.001'), 'USD'), '0.00 USD');
  });

  it('converts to and from integer minor units', () => {
    assert.equal(toMinor(d('12.34'), 'USD'), 1234n);
    assert.equal(toMinor(d('-0.05'), 'USD'), -5n);
    assert.equal(toMinor(d('1000'), 'JPY'), 1000n);
    assert.equal(toMinor(d('1.5'), 'KWD'), 1500n);
    assertDec(fromMinor(1234n, 'USD'), '12.34');
    assertDec(fromMinor(-5n, 'KWD'), '-0.005');
    assertDec(fromMinor(d(42), 'JPY'), 42);
    assert.equal(fromMinor(10n ** 45n + 1n, 'USD').toFixed(2), `${'1'.padEnd(44, '0')}.01`);
  });

  it('refuses conversions that would need rounding', () => {
    assert.throws(() => toMinor(d('0.001'), 'USD'), /round it first/);
    assert.throws(() => fromMinor(d('1.5'), 'USD'), /must be an integer/);
    assert.equal(isWholeMinor(d('0.10'), 'USD'), true);
    assert.equal(isWholeMinor(d('0.101'), 'USD'), false);
  });

  it('refuses NaN and infinities', () => {
    assert.throws(() => roundToMinor(d(NaN), 'USD'), /finite/);
    assert.throws(() => toMinor(d(Infinity), 'USD'), /finite/);
  });
});
