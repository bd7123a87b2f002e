// Money as exact decimals: the billing Decimal constructor, currency-aware banker's rounding, parsing,
// formatting and conversion between major units and integer minor units. Nothing here ever uses a JS float.
import { Decimal } from 'decimal.js';
import { currencyMinorUnits, type Currency } from '../../../crds/schemas/common.ts';

/**
 * The only Decimal constructor billing code does arithmetic with. A private clone, so a `Decimal.set()`
 * elsewhere in the process cannot change our precision or rounding. 40 significant digits hold a
 * 1e15 amount with 20 decimals; money itself is only ever rounded explicitly, with ROUND_HALF_EVEN.
 */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type { Decimal };
export type { Currency };

export const ZERO = new Dec(0);

/** Digits after the decimal point for a currency (ISO 4217): USD 2, JPY 0, KWD 3. */
export function minorUnits(currency: Currency): number {
  const digits = currencyMinorUnits[currency];
  if (digits === undefined) throw new RangeError(`unknown currency ${String(currency)}`);
  return digits;
}

/**
 * Re-homes a value on Dec. Callers may hand us instances of the global Decimal (precision 20); doing
 * arithmetic on those would silently use the global configuration.
 */
export function toDec(value: Decimal.Value, what = 'amount'): Decimal {
  const d = new Dec(value);
  if (!d.isFinite()) throw new RangeError(`${what} must be a finite number, got ${d.toString()}`);
  return d;
}

/** Rounds to the currency's minor unit, halves to even (0.125 → 0.12, 0.135 → 0.14 USD; 2.5 → 2 JPY). */
export function roundToMinor(amount: Decimal, currency: Currency): Decimal {
  // toDecimalPlaces rounds to a number of decimals, not to the configured precision, so it is exact.
  return toDec(amount).toDecimalPlaces(minorUnits(currency), Dec.ROUND_HALF_EVEN);
}

/** True when the amount needs no rounding in this currency. */
export function isWholeMinor(amount: Decimal, currency: Currency): boolean {
  return toDec(amount).decimalPlaces() <= minorUnits(currency);
}

/** Refuses an amount with more decimals than the currency has, naming what it was. */
export function assertWholeMinor(amount: Decimal, currency: Currency, what = 'amount'): Decimal {
  const d = toDec(amount, what);
  if (d.decimalPlaces() > minorUnits(currency)) {
    throw new RangeError(
      `${what} ${d.toString()} has more than ${minorUnits(currency)} decimals for ${currency}; round it first`,
    );
  }
  return d;
}

/** Major units → integer minor units (12.34 USD → 1234n). Refuses amounts that would need rounding. */
export function toMinor(amount: Decimal, currency: Currency): bigint {
  const d = assertWholeMinor(amount, currency);
  // toFixed with at least as many decimals as the value has is exact; string surgery avoids any precision cap.
  return BigInt(d.toFixed(minorUnits(currency)).replace('.', ''));
}

/** Integer minor units (bigint or an integral Decimal) → major units (1234n → 12.34 USD). */
export function fromMinor(minor: bigint | Decimal, currency: Currency): Decimal {
  let digits: bigint;
  if (typeof minor === 'bigint') {
    digits = minor;
  } else {
    const d = toDec(minor, 'minor units');
    if (!d.isInteger()) throw new RangeError(`minor units must be an integer, got ${d.toString()}`);
    digits = BigInt(d.toFixed(0));
  }
  const dp = minorUnits(currency);
  if (dp === 0) return new Dec(digits.toString());
  const negative = digits < 0n;
  const text = (negative ? -digits : digits).toString().padStart(dp + 1, '0');
  // Built as a string so even a value longer than Dec's precision converts without rounding.
  return new Dec(`${negative ? '-' : ''}${text.slice(0, -dp)}.${text.slice(-dp)}`);
}

const moneyPattern = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/**
 * Parses a plain decimal string ("12.34", "-5", "0.125") as an amount in the currency. Refuses
 * exponents, thousands separators and more decimals than the currency has: a price feed that sends
 * 12.345 USD is a bug to surface, not a value to round quietly.
 */
export function parseMoney(text: string, currency: Currency): Decimal {
  const match = moneyPattern.exec(text.trim());
  if (!match) throw new RangeError(`not a decimal amount: ${JSON.stringify(text)}`);
  const decimals = match[3] ?? '';
  if (decimals.length > minorUnits(currency)) {
    throw new RangeError(`${text} has more than ${minorUnits(currency)} decimals for ${currency}`);
  }
  return new Dec(text.trim());
}

/** "1234.50 USD", "-3 JPY", "0.125 KWD": banker's-rounded, fixed decimals, no grouping, code last. */
export function formatMoney(amount: Decimal, currency: Currency): string {
  const rounded = roundToMinor(amount, currency);
  // -0 formats as "0.00", never "-0.00".
  const text = rounded.isZero()
    ? new Dec(0).toFixed(minorUnits(currency))
    : rounded.toFixed(minorUnits(currency));
  return `${text} ${currency}`;
}

/** Exact sum of amounts (empty → 0). */
export function sumMoney(amounts: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const a of amounts) total = total.plus(toDec(a));
  return total;
}
