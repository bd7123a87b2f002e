// Quantity → MiB (rounded up: an instance never gets less memory than it asked) and → GiB (rounded down: a
// tenant never gets more storage than its quota says), checked against a BigInt oracle written here from the
// Kubernetes suffix table, over random mantissas with up to 12 decimals and every suffix.
import assert from 'node:assert/strict';
import { memoryMiB } from '../../../controllers/compute/resources.ts';
import { storageGiB } from '../../../webhooks/quota.ts';
import { Random } from '../billing/prng.ts';

/** Bytes per unit as a fraction [numerator, denominator]. */
const units: Record<string, [bigint, bigint]> = {
  '': [1n, 1n],
  m: [1n, 1000n],
  k: [10n ** 3n, 1n],
  M: [10n ** 6n, 1n],
  G: [10n ** 9n, 1n],
  T: [10n ** 12n, 1n],
  P: [10n ** 15n, 1n],
  E: [10n ** 18n, 1n],
  Ki: [2n ** 10n, 1n],
  Mi: [2n ** 20n, 1n],
  Gi: [2n ** 30n, 1n],
  Ti: [2n ** 40n, 1n],
  Pi: [2n ** 50n, 1n],
  Ei: [2n ** 60n, 1n],
};

/** The quantity in `per` bytes, rounded up or down, computed on integers only. */
function oracle(mantissa: string, unit: string, per: bigint, up: boolean): bigint {
  const [whole, frac = ''] = mantissa.split('.');
  const [num, den] = units[unit]!;
  const numerator = BigInt(whole! + frac) * num;
  const denominator = 10n ** BigInt(frac.length) * den * per;
  const floor = numerator / denominator;
  return up && floor * denominator !== numerator ? floor + 1n : floor;
}

describe('unit: memory and storage quantities, exactly', () => {
  it('books exactly 521862 MiB for 547211.968512M (547211968512 bytes), not one more', () => {
    assert.equal(memoryMiB('547211.968512M'), 521862);
    assert.equal(memoryMiB('547211.968513M'), 521863);
  });

  it('rounds up the smallest excess and down a quota just short of a GiB', () => {
    assert.equal(memoryMiB('1048577'), 2);
    assert.equal(memoryMiB('1048576'), 1);
    assert.equal(memoryMiB('1.000000000001Gi'), 1025);
    assert.equal(storageGiB('1073741823'), 0);
    assert.equal(storageGiB('1073741824'), 1);
    assert.equal(storageGiB('1.999999999999Gi'), 1);
    assert.equal(storageGiB('1099511627775'), 1023);
  });

  it('refuses a quantity too large to book', () => {
    assert.throws(() => memoryMiB('99999999999999Ei'), /too large/);
  });

  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}: agrees with the BigInt oracle for every suffix`, () => {
      const rnd = new Random(seed);
      for (let i = 0; i < 200; i++) {
        const unit = rnd.pick(Object.keys(units));
        const whole = String(rnd.int(0, unit.endsWith('i') ? 4096 : 10 ** 9));
        const places = rnd.int(0, 12);
        const mantissa = places > 0 ? `${whole}.${rnd.digits(places)}` : whole;
        const mib = oracle(mantissa, unit, 2n ** 20n, true);
        if (mib > BigInt(Number.MAX_SAFE_INTEGER)) continue;
        const quantity = `${mantissa}${unit}`;
        assert.equal(memoryMiB(quantity), Number(mib), quantity);
        assert.equal(storageGiB(quantity), Number(oracle(mantissa, unit, 2n ** 30n, false)), quantity);
      }
    });
  }
});
