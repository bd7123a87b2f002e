// When two scalar values mean the same thing. Outside systems hand back what the spec said in their own forms:
// ports as strings, flags as "true", numbers as "1.0", IPv6 addresses expanded or upper-case. None of those is
// drift. A string is read as a number or a flag only when the other side is one: two strings stay strings
// (so versions "5.10" and "5.1" differ), except addresses and CIDRs, which are compared canonically.
import { Address4, Address6 } from 'ip-address';
import { Decimal } from 'decimal.js';

export type Scalar = string | number | boolean | null;

export type Shape = 'object' | 'array' | 'scalar';

/** Objects, lists and scalars are never equal to one another: a difference of shape is a type_mismatch. */
export function shapeOf(value: unknown): Shape {
  if (Array.isArray(value)) return 'array';
  return value !== null && typeof value === 'object' ? 'object' : 'scalar';
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return shapeOf(value) === 'object';
}

/** The object's own field: a key such as `valueOf` or `constructor` must not read what every object inherits. */
export function field(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

const numberText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ipv4Text = /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/;
const ipv6Text = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(\/\d{1,3})?$/;

function decimalOf(text: string): Decimal | undefined {
  return numberText.test(text) ? new Decimal(text) : undefined;
}

function flagOf(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

/**
 * An address or CIDR in one spelling: `2001:0DB8:0000::/32` is `2001:db8::/32`; an address with no prefix is
 * the block of that one address, so `10.0.0.1` is `10.0.0.1/32`. Undefined when the text is neither.
 */
export function canonicalAddress(text: string): string | undefined {
  try {
    if (ipv4Text.test(text)) {
      const address = new Address4(text);
      return `${address.correctForm()}/${address.subnetMask}`;
    }
    if (ipv6Text.test(text)) {
      const address = new Address6(text);
      return `${address.correctForm()}/${address.subnetMask}`;
    }
  } catch {
    // Address-shaped but not an address (300.1.1.1, 1:2:3): an ordinary string.
  }
  return undefined;
}

const worldBlocks = new Set(['0.0.0.0/0', '::/0']);

/** The text is a CIDR that takes in every address of its family. */
export function isWorldCidr(value: unknown): boolean {
  return typeof value === 'string' && worldBlocks.has(canonicalAddress(value) ?? '');
}

function stringsEqual(a: string, b: string, foldCase: boolean): boolean {
  if (a === b || (foldCase && a.toLowerCase() === b.toLowerCase())) return true;
  const address = canonicalAddress(a);
  return address !== undefined && address === canonicalAddress(b);
}

/** The string read in the other side's type, or undefined when it cannot be. */
function coerced(text: string, other: number | boolean): boolean {
  if (typeof other === 'boolean') return flagOf(text) === other;
  return decimalOf(text)?.eq(other) ?? false;
}

export function scalarsEqual(a: Scalar, b: Scalar, foldCase = false): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'string' && typeof b === 'string') return stringsEqual(a, b, foldCase);
  if (typeof a === typeof b) return a === b;
  if (typeof a === 'string') return coerced(a, b as number | boolean);
  if (typeof b === 'string') return coerced(b, a);
  return false;
}

/**
 * Two different scalars are of different types (a type_mismatch rather than a value_changed) when no coercion
 * could ever make them equal: a number and a boolean, or a string that reads as neither. Null is the absence of
 * a value, so null against anything is a change of value.
 */
export function scalarTypesDiffer(a: Scalar, b: Scalar): boolean {
  if (a === null || b === null || typeof a === typeof b) return false;
  const text = typeof a === 'string' ? a : typeof b === 'string' ? b : undefined;
  if (text === undefined) return true;
  const other = typeof a === 'string' ? b : a;
  return typeof other === 'boolean' ? flagOf(text) === undefined : decimalOf(text) === undefined;
}

/**
 * A key that every scalar equal to this one shares, whatever the case folding: looser than scalarsEqual (the
 * strings "1.0" and "1" share one), so it only groups candidates; equality decides.
 */
export function scalarKey(value: Scalar): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return `b:${value}`;
  if (typeof value === 'number') return `n:${new Decimal(value).toString()}`;
  const number = decimalOf(value);
  if (number) return `n:${number.toString()}`;
  const flag = flagOf(value);
  if (flag !== undefined) return `b:${flag}`;
  const address = canonicalAddress(value);
  return address === undefined ? `s:${value.toLowerCase()}` : `a:${address}`;
}
