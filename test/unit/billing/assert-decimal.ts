// Assertions on exact decimals for the billing tests: equality by value, with both sides printed on failure.
import assert from 'node:assert/strict';
import { Dec, type Decimal } from '../../../controllers/billing/domain/money.ts';

export const d = (value: string | number): Decimal => new Dec(value);

export function assertDec(
  actual: Decimal | undefined,
  expected: string | number | Decimal,
  what = 'value',
): void {
  assert.ok(actual !== undefined, `${what} is missing`);
  const want = new Dec(expected);
  assert.ok(actual.equals(want), `${what}: expected ${want.toString()}, got ${actual.toString()}`);
}

/** Map of tenant → amount as plain strings, for whole-map comparisons. */
export function asStrings(map: Map<string, Decimal>): Record<string, string> {
  return Object.fromEntries([...map].map(([k, v]) => [k, v.toString()]));
}

export const utc = (iso: string): Date => new Date(iso.endsWith('Z') ? iso : `${iso}Z`);
