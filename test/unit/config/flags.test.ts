// Feature flag evaluation: stable per subject, rollouts that hit their percentage, lists that win over the
// rollout, a kill switch, and flags that sample independent sets of subjects.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { bucketOf, evaluate, type NamedFlag } from '../../../controllers/config/flags.ts';

const subjects = (n: number, prefix = 'user') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const share = (flag: NamedFlag, list: string[]) => list.filter((s) => evaluate(flag, s)).length / list.length;

describe('config: flag evaluation', () => {
  const many = subjects(100_000);

  it('gives the same answer for the same flag and subject, every time', () => {
    const flag: NamedFlag = { name: 'checkout', enabled: true, rollout: 37 };
    for (const s of subjects(500)) assert.equal(evaluate(flag, s), evaluate({ ...flag }, s));
    assert.equal(bucketOf(flag, 'alice'), bucketOf({ name: 'checkout' }, 'alice'));
  });

  it('is fixed by the documented hash: sha256(name:subject), first 8 bytes as a fraction', () => {
    // sha256("checkout:alice") begins with these bytes; the fraction is their value over 2^64 (53 bits kept).
    const d = createHash('sha256').update('checkout:alice').digest();
    const expected = Number(d.readBigUInt64BE(0) >> 11n) / 2 ** 53;
    assert.equal(bucketOf({ name: 'checkout' }, 'alice'), expected);
    assert.ok(expected >= 0 && expected < 1);
  });

  it('turns a 10% rollout on for 10% ± 1% of 100,000 subjects', () => {
    const got = share({ name: 'search-v2', enabled: true, rollout: 10 }, many);
    assert.ok(Math.abs(got - 0.1) <= 0.01, `10% rollout gave ${(got * 100).toFixed(2)}%`);
  });

  it('turns a 0% rollout on for nobody and a 100% rollout on for everybody', () => {
    assert.equal(share({ name: 'f', enabled: true, rollout: 0 }, many.slice(0, 20_000)), 0);
    assert.equal(share({ name: 'f', enabled: true, rollout: 100 }, many.slice(0, 20_000)), 1);
  });

  it('grows a rollout monotonically: everyone in at 10% stays in at 20%', () => {
    const at10 = many.slice(0, 20_000).filter((s) => evaluate({ name: 'g', rollout: 10, enabled: true }, s));
    for (const s of at10) assert.equal(evaluate({ name: 'g', rollout: 20, enabled: true }, s), true);
  });

  it('lets the allow and deny lists win over the rollout', () => {
    const flag: NamedFlag = { name: 'beta', enabled: true, rollout: 0, allow: ['vip'], deny: [] };
    assert.equal(evaluate(flag, 'vip'), true);
    assert.equal(evaluate(flag, 'someone'), false);
    const all: NamedFlag = { name: 'beta', enabled: true, rollout: 100, deny: ['blocked'] };
    assert.equal(evaluate(all, 'blocked'), false);
    assert.equal(evaluate(all, 'someone'), true);
  });

  it('is off for everyone, listed or not, when the flag is disabled (a kill switch)', () => {
    const flag: NamedFlag = { name: 'x', enabled: false, rollout: 100, allow: ['vip'] };
    assert.equal(evaluate(flag, 'vip'), false);
    assert.equal(share(flag, many.slice(0, 1_000)), 0);
  });

  it('is on for everyone when enabled with no rollout', () => {
    assert.equal(share({ name: 'plain', enabled: true }, many.slice(0, 1_000)), 1);
  });

  it('samples independent subjects for two 50% flags (no correlation beyond chance)', () => {
    const a: NamedFlag = { name: 'flag-a', enabled: true, rollout: 50 };
    const b: NamedFlag = { name: 'flag-b', enabled: true, rollout: 50 };
    let both = 0;
    for (const s of many) if (evaluate(a, s) && evaluate(b, s)) both += 1;
    // Independent: P(a and b) = 0.25; over 100,000 subjects the standard deviation is ~0.0014.
    assert.ok(Math.abs(both / many.length - 0.25) < 0.01, `both on for ${both} of ${many.length}`);
  });

  it('reshuffles who is in a rollout when the salt changes, and keeps the share', () => {
    const plain: NamedFlag = { name: 'flag-a', enabled: true, rollout: 50 };
    const salted: NamedFlag = { ...plain, salt: 'round-2' };
    const list = many.slice(0, 20_000);
    const agree = list.filter((s) => evaluate(plain, s) === evaluate(salted, s)).length / list.length;
    assert.ok(Math.abs(agree - 0.5) < 0.02, `salted and unsalted agree on ${agree}`);
    assert.ok(Math.abs(share(salted, list) - 0.5) < 0.02);
  });
});
