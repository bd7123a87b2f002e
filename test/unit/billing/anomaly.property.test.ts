// The anomaly rule at its boundary, checked against a BigInt oracle: a cost is flagged exactly when
// |cost − mean| > 2σ, decided on exact rationals, including histories whose mean and σ do not terminate as
// decimals and costs lying exactly 2σ away. The oracle parses the strings itself; it uses no module helper.
import assert from 'node:assert/strict';
import { detectAnomalies } from '../../../controllers/billing/domain/anomaly.ts';
import type { Decimal } from '../../../controllers/billing/domain/money.ts';
import { d } from './assert-decimal.ts';
import { Random } from './prng.ts';

/** Consecutive days from 2024-04-01 with the given costs, the last one judged against the others. */
function verdictOfLast(costs: string[]): string {
  const map = new Map<string, Decimal>();
  costs.forEach((c, i) =>
    map.set(new Date(Date.UTC(2024, 3, 1) + i * 86_400_000).toISOString().slice(0, 10), d(c)),
  );
  return detectAnomalies(map).at(-1)!.verdict;
}

/** "-12.3" at scale 3 → -12300n. */
function scaled(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const [whole, frac = ''] = text.replace(/^-/, '').split('.');
  const value = BigInt(whole! + frac.padEnd(scale, '0'));
  return negative ? -value : value;
}

/**
 * |x − mean| > 2σ over exact rationals: with everything scaled to integers, x − mean = (nX − S)/n and
 * σ² = (nQ − S²)/n², so the rule is (nX − S)² > 4(nQ − S²).
 */
function oracle(history: string[], cost: string): 'anomaly' | 'normal' {
  const scale = Math.max(...[...history, cost].map((t) => t.split('.')[1]?.length ?? 0));
  const values = history.map((t) => scaled(t, scale));
  const n = BigInt(values.length);
  const sum = values.reduce((a, b) => a + b, 0n);
  const squares = values.reduce((a, b) => a + b * b, 0n);
  const deviation = n * scaled(cost, scale) - sum;
  return deviation * deviation > 4n * (n * squares - sum * sum) ? 'anomaly' : 'normal';
}

const isqrt = (v: bigint): bigint => {
  if (v < 2n) return v;
  let x = BigInt(Math.floor(Math.sqrt(Number(v))));
  while (x * x > v) x--;
  while ((x + 1n) * (x + 1n) <= v) x++;
  return x;
};

/** A decimal string for num/den when it terminates (den has only the factors 2 and 5 once reduced). */
function terminating(num: bigint, den: bigint): string | undefined {
  let twos = 0;
  let fives = 0;
  let rest = den;
  while (rest % 2n === 0n) ((rest /= 2n), twos++);
  while (rest % 5n === 0n) ((rest /= 5n), fives++);
  if (num % rest !== 0n) return undefined;
  const digits = Math.max(twos, fives);
  const value = ((num / rest) * 10n ** BigInt(digits)) / (den / rest);
  const negative = value < 0n;
  const text = (negative ? -value : value).toString().padStart(digits + 1, '0');
  const out = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return negative ? `-${out}` : out;
}

describe('unit: anomaly boundary against an exact oracle', () => {
  it('does not flag a cost exactly 2σ below a mean that does not terminate (mean 56/3, σ 10/3)', () => {
    const history = ['15', '26', '17', '18', '18', '14', '21', '19', '20'];
    assert.equal(oracle(history, '12'), 'normal');
    assert.equal(verdictOfLast([...history, '12']), 'normal');
    assert.equal(verdictOfLast([...history, '11.99']), 'anomaly');
    assert.equal(verdictOfLast([...history, '12.01']), 'normal');
  });

  it('refuses a negative threshold, which would make the squared comparison meaningless', () => {
    assert.throws(() => detectAnomalies(new Map([['2024-04-01', d(1)]]), { threshold: d(-1) }), /threshold/);
  });

  it('does not flag costs exactly 2σ away on either side, over many histories', () => {
    const rnd = new Random(42);
    let found = 0;
    for (let attempt = 0; attempt < 40_000 && found < 150; attempt++) {
      const n = rnd.int(7, 14);
      const history = Array.from({ length: n }, () => String(rnd.int(5, 40)));
      const values = history.map(BigInt);
      const N = BigInt(n);
      const sum = values.reduce((a, b) => a + b, 0n);
      const spread = N * values.reduce((a, b) => a + b * b, 0n) - sum * sum;
      const root = isqrt(spread);
      if (spread === 0n || root * root !== spread) continue;
      for (const sign of [1n, -1n]) {
        // x = mean ± 2σ = (S ± 2√(nQ − S²)) / n
        const cost = terminating(sum + sign * 2n * root, N);
        if (cost === undefined) continue;
        found++;
        assert.equal(oracle(history, cost), 'normal');
        assert.equal(verdictOfLast([...history, cost]), 'normal', `${history.join(',')} then ${cost}`);
      }
    }
    assert.ok(found >= 50, `only ${found} exact boundaries found`);
  });

  for (let seed = 1; seed <= 100; seed++) {
    it(`seed ${seed}: agrees with the oracle on random costs near the boundary`, () => {
      const rnd = new Random(seed);
      const n = rnd.int(7, 14);
      const cents = () => `${rnd.int(0, 500)}.${rnd.digits(2)}`;
      const history = Array.from({ length: n }, cents);
      for (let i = 0; i < 20; i++) {
        const places = rnd.int(0, 6);
        const cost = rnd.chance(0.5)
          ? cents()
          : `${rnd.int(0, 900)}${places > 0 ? `.${rnd.digits(places)}` : ''}`;
        assert.equal(
          verdictOfLast([...history, cost]),
          oracle(history, cost),
          `${history.join(',')} then ${cost}`,
        );
      }
    });
  }
});
