// Property tests, seeded: allocations checked against an independent BigInt largest-remainder oracle, and
// banker's rounding checked against a BigInt oracle. The oracle parses strings itself; it uses no module helper.
import assert from 'node:assert/strict';
import { allocate, allocateByCategory } from '../../../controllers/billing/domain/allocation.ts';
import { Dec, roundToMinor, type Currency } from '../../../controllers/billing/domain/money.ts';
import { Random } from './prng.ts';

const digitsOf: Record<string, number> = { USD: 2, EUR: 2, JPY: 0, KWD: 3, BHD: 3 };
const currencies = Object.keys(digitsOf) as Currency[];

/** "-12.3" at scale 3 → -12300n; the string must have at most `scale` decimals. */
function scaled(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const [whole, frac = ''] = text.replace(/^[-+]/, '').split('.');
  assert.ok(frac.length <= scale, `${text} has more than ${scale} decimals`);
  const value = BigInt(whole! + frac.padEnd(scale, '0'));
  return negative ? -value : value;
}

const decimalsOf = (text: string): number => text.split('.')[1]?.length ?? 0;
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** Largest remainder on integers, written from the specification, not from the module. */
function oracle(amountMinor: bigint, tenants: string[], weightTexts: string[]): bigint[] {
  const scale = Math.max(...weightTexts.map(decimalsOf));
  let weights = weightTexts.map((w) => scaled(w, scale));
  if (weights.every((w) => w === 0n)) weights = weights.map(() => 1n);
  const total = weights.reduce((a, b) => a + b, 0n);
  const units = abs(amountMinor);
  const quotas = weights.map((w) => ({ floor: (units * w) / total, rem: (units * w) % total }));
  let left = units - quotas.reduce((s, q) => s + q.floor, 0n);
  const ranked = tenants
    .map((t, i) => ({ t, i }))
    .sort((x, y) => {
      const a = quotas[x.i]!;
      const b = quotas[y.i]!;
      if (a.rem !== b.rem) return a.rem > b.rem ? -1 : 1;
      if (weights[x.i] !== weights[y.i]) return weights[x.i]! > weights[y.i]! ? -1 : 1;
      return x.t < y.t ? -1 : x.t > y.t ? 1 : 0;
    });
  const out = quotas.map((q) => q.floor);
  for (const { i } of ranked) if (left-- > 0n) out[i]! += 1n;
  return out.map((v) => (amountMinor < 0n ? -v : v));
}

function randomAmount(r: Random, dp: number): string {
  const size = r.pick(['tiny', 'small', 'large', 'huge'] as const);
  const whole =
    size === 'tiny'
      ? '0'
      : size === 'small'
        ? String(r.int(0, 999))
        : size === 'large'
          ? r.digits(9)
          : r.digits(13);
  const text =
    dp === 0 ? whole : `${whole}.${size === 'tiny' ? '0'.repeat(dp - 1) + r.int(0, 9) : r.digits(dp)}`;
  return (r.chance(0.2) ? '-' : '') + text.replace(/^0+(?=\d)/, '');
}

function randomWeights(r: Random, n: number): string[] {
  if (r.chance(0.05)) return Array.from({ length: n }, () => '0');
  if (r.chance(0.1)) {
    const same = String(r.int(1, 5));
    return Array.from({ length: n }, () => same);
  }
  return Array.from({ length: n }, () => {
    if (r.chance(0.25)) return '0';
    const whole = r.chance(0.2) ? r.digits(r.int(1, 12)) : String(r.int(0, 100));
    const dp = r.int(0, 9);
    return dp === 0 ? whole : `${whole}.${r.digits(dp)}`;
  });
}

describe('unit: billing allocation properties (seeded)', () => {
  it('2,000 random allocations match the BigInt oracle, sum exactly, keep sign, stay within one minor unit', () => {
    const r = new Random(20240401);
    for (let run = 0; run < 2000; run++) {
      const currency = r.pick(currencies);
      const dp = digitsOf[currency]!;
      const amountText = randomAmount(r, dp);
      const n = r.int(1, 12);
      const tenants = Array.from({ length: n }, (_, i) => `${r.pick(['acme', 'Beta', 'zulu', 'mid'])}-${i}`);
      const weightTexts = randomWeights(r, n);
      const context = `run ${run}: ${amountText} ${currency} over [${weightTexts.join(', ')}]`;

      const result = allocate(
        new Dec(amountText),
        currency,
        tenants.map((tenant, i) => ({ tenant, weight: new Dec(weightTexts[i]!) })),
      );
      const amountMinor = scaled(amountText, dp);
      const got = tenants.map((t) => scaled(result.get(t)!.toFixed(dp), dp));
      assert.equal(
        got.reduce((a, b) => a + b, 0n),
        amountMinor,
        `${context}: sum`,
      );
      assert.deepEqual(got, oracle(amountMinor, tenants, weightTexts), `${context}: oracle`);

      const scale = Math.max(...weightTexts.map(decimalsOf));
      let weights = weightTexts.map((w) => scaled(w, scale));
      if (weights.every((w) => w === 0n)) weights = weights.map(() => 1n);
      const total = weights.reduce((a, b) => a + b, 0n);
      got.forEach((part, i) => {
        if (amountMinor >= 0n) assert.ok(part >= 0n, `${context}: tenant ${i} negative`);
        else assert.ok(part <= 0n, `${context}: tenant ${i} positive in a refund`);
        // |part − amount × w / W| < 1 minor unit, compared without division
        assert.ok(
          abs(part * total - amountMinor * weights[i]!) < total,
          `${context}: tenant ${i} off by ≥ 1 unit`,
        );
      });
    }
  });

  it('500 random 2-step custom allocations sum exactly to the amount', () => {
    const r = new Random(7030);
    for (let run = 0; run < 500; run++) {
      const currency = r.pick(currencies);
      const dp = digitsOf[currency]!;
      const amountText = randomAmount(r, dp);
      const categories = ['compute', 'storage', 'network'].slice(0, r.int(1, 3)).map((name) => ({
        name,
        weight: new Dec(r.int(0, 100)),
        usage: randomWeights(r, r.int(1, 5)).map((w, i) => ({ tenant: `t${i}`, usage: new Dec(w) })),
      }));
      const { total } = allocateByCategory(new Dec(amountText), currency, categories);
      const sum = [...total.values()].reduce((s, v) => s + scaled(v.toFixed(dp), dp), 0n);
      assert.equal(sum, scaled(amountText, dp), `run ${run}: ${amountText} ${currency}`);
    }
  });

  it('300 amounts with more decimals than the currency are refused, and allocate exactly once rounded', () => {
    const r = new Random(1e12);
    for (let run = 0; run < 300; run++) {
      const currency = r.pick(currencies);
      const dp = digitsOf[currency]!;
      const text = `${r.digits(13)}.${r.digits(dp)}${r.int(1, 9)}${r.digits(r.int(0, 8))}`;
      const shares = randomWeights(r, r.int(1, 6)).map((w, i) => ({ tenant: `t${i}`, weight: new Dec(w) }));
      assert.throws(() => allocate(new Dec(text), currency, shares), /round it first/, text);
      const rounded = roundToMinor(new Dec(text), currency);
      const result = allocate(rounded, currency, shares);
      const sum = [...result.values()].reduce((s, v) => s + scaled(v.toFixed(dp), dp), 0n);
      assert.equal(sum, scaled(rounded.toFixed(dp), dp), `run ${run}: ${text} ${currency}`);
    }
  });

  it('2,000 random values round half to even exactly like a BigInt oracle, in every currency', () => {
    const r = new Random(125);
    for (let run = 0; run < 2000; run++) {
      const currency = r.pick(currencies);
      const dp = digitsOf[currency]!;
      const extra = r.int(0, 10);
      // Often end in exactly 5 after the minor unit, to hit the half cases.
      const tail = extra > 0 && r.chance(0.4) ? `${r.digits(0)}5${'0'.repeat(extra - 1)}` : r.digits(extra);
      const frac = r.digits(dp) + tail;
      const text = (r.chance(0.3) ? '-' : '') + r.digits(r.int(1, 13)) + (frac ? `.${frac}` : '');
      const exact = scaled(text, dp + extra);
      const unit = 10n ** BigInt(extra);
      const magnitude = abs(exact);
      let q = magnitude / unit;
      const rem = magnitude % unit;
      if (rem * 2n > unit || (rem * 2n === unit && q % 2n === 1n)) q += 1n;
      const expected = exact < 0n ? -q : q;
      const got = scaled(roundToMinor(new Dec(text), currency).toFixed(dp), dp);
      assert.equal(got, expected, `run ${run}: ${text} ${currency}`);
    }
  });
});
