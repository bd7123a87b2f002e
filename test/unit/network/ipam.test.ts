// IPAM boundaries, and the first-free-block search checked against a brute-force oracle over address bitmaps.
import assert from 'node:assert/strict';
import {
  assignableCount,
  blockSize,
  CidrError,
  firstFreeAddress,
  firstFreeBlock,
  formatCidr,
  formatIp,
  isAssignable,
  overlaps,
  contains,
  parseCidr,
  parseIp,
  type Cidr,
} from '../../../controllers/network/ipam.ts';

describe('unit: IPAM', () => {
  describe('parsing', () => {
    it('round-trips addresses at both ends of the space', () => {
      for (const ip of ['0.0.0.0', '10.0.0.1', '192.168.255.254', '255.255.255.255'])
        assert.equal(formatIp(parseIp(ip)), ip);
      assert.equal(parseIp('255.255.255.255'), 2 ** 32 - 1);
    });
    for (const bad of ['10.0.0', '10.0.0.256', '10.0.0.-1', '010.0.0.1', 'a.b.c.d', '10.0.0.0.0', '']) {
      it(`refuses the address "${bad}"`, () => assert.throws(() => parseIp(bad), CidrError));
    }
    it('refuses host bits and suggests the aligned block', () => {
      assert.throws(() => parseCidr('10.0.0.1/24'), /host bits set; did you mean 10\.0\.0\.0\/24\?/);
      assert.throws(() => parseCidr('10.0.0.0/33'), /prefix length/);
      assert.throws(() => parseCidr('10.0.0.0'), /not a CIDR/);
    });
    it('accepts /0 and /32', () => {
      assert.deepEqual(parseCidr('0.0.0.0/0'), { base: 0, prefix: 0 });
      assert.deepEqual(parseCidr('10.1.2.3/32'), { base: parseIp('10.1.2.3'), prefix: 32 });
    });
  });

  describe('sizes and reserved addresses', () => {
    it('a /24 has 256 addresses, 251 of them assignable (network, broadcast and 3 provider addresses kept)', () => {
      const c = parseCidr('10.0.0.0/24');
      assert.equal(blockSize(24), 256);
      assert.equal(assignableCount(c), 251);
      assert.equal(isAssignable(c, parseIp('10.0.0.0')), false);
      for (const reserved of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.255'])
        assert.equal(isAssignable(c, parseIp(reserved)), false, reserved);
      assert.equal(isAssignable(c, parseIp('10.0.0.4')), true);
      assert.equal(isAssignable(c, parseIp('10.0.0.254')), true, 'the last usable address is assignable');
      assert.equal(isAssignable(c, parseIp('10.0.1.4')), false, 'outside the subnet');
    });
    it('a /28 has 11 assignable addresses and a full one has none free', () => {
      const c = parseCidr('10.0.0.16/28');
      assert.equal(assignableCount(c), 11);
      const used = new Set<number>();
      for (let i = 0; i < 11; i++) {
        const a = firstFreeAddress(c, used);
        assert.notEqual(a, undefined);
        used.add(a!);
      }
      assert.equal(firstFreeAddress(c, used), undefined, 'exhausted');
      assert.equal(formatIp(Math.max(...used)), '10.0.0.30', 'the last usable address was handed out');
    });
    it('hands out the lowest free address, reusing a freed one', () => {
      const c = parseCidr('10.0.0.0/24');
      const used = new Set([parseIp('10.0.0.4'), parseIp('10.0.0.6')]);
      assert.equal(formatIp(firstFreeAddress(c, used)!), '10.0.0.5');
    });
  });

  describe('containment and overlap', () => {
    it('is exact at the edges', () => {
      const a = parseCidr('10.0.0.0/24');
      assert.equal(overlaps(a, parseCidr('10.0.1.0/24')), false, 'adjacent blocks do not overlap');
      assert.equal(overlaps(a, parseCidr('10.0.0.255/32')), true);
      assert.equal(overlaps(parseCidr('10.0.0.0/16'), a), true);
      assert.equal(contains(parseCidr('10.0.0.0/16'), a), true);
      assert.equal(contains(a, parseCidr('10.0.0.0/16')), false);
      assert.equal(contains(a, a), true);
    });
  });

  describe('first free block', () => {
    const pool = parseCidr('10.0.0.0/16');
    it('takes the first block, then skips taken ones, aligned to the size', () => {
      assert.equal(formatCidr(firstFreeBlock(pool, 24, [])!), '10.0.0.0/24');
      assert.equal(formatCidr(firstFreeBlock(pool, 24, [parseCidr('10.0.0.0/25')])!), '10.0.1.0/24');
      assert.equal(formatCidr(firstFreeBlock(pool, 20, [parseCidr('10.0.3.0/24')])!), '10.0.16.0/20');
    });
    it('allocates the last block of the pool and then reports exhaustion', () => {
      const small = parseCidr('10.0.0.0/22');
      const taken: Cidr[] = [];
      for (let i = 0; i < 4; i++) taken.push(firstFreeBlock(small, 24, taken)!);
      assert.equal(formatCidr(taken[3]!), '10.0.3.0/24');
      assert.equal(firstFreeBlock(small, 24, taken), undefined);
    });
    it('refuses a block larger than the pool', () =>
      assert.equal(firstFreeBlock(parseCidr('10.0.0.0/24'), 16, []), undefined));
    it('ignores taken blocks outside the pool', () => {
      assert.equal(formatCidr(firstFreeBlock(pool, 24, [parseCidr('192.168.0.0/16')])!), '10.0.0.0/24');
    });

    // The oracle: a bitmap of the pool, and every aligned candidate tried in order.
    function oracle(p: Cidr, prefix: number, taken: Cidr[]): Cidr | undefined {
      const size = blockSize(p.prefix);
      const used = new Uint8Array(size);
      for (const t of taken)
        for (let a = t.base; a < t.base + blockSize(t.prefix); a++)
          if (a >= p.base && a < p.base + size) used[a - p.base] = 1;
      for (let start = 0; start + blockSize(prefix) <= size; start += blockSize(prefix)) {
        if (used.subarray(start, start + blockSize(prefix)).every((x) => x === 0))
          return { base: p.base + start, prefix };
      }
      return undefined;
    }
    it('agrees with the bitmap oracle on 2,000 random layouts, and never overlaps what is taken', () => {
      let seed = 42;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      const p = parseCidr('10.8.0.0/20');
      for (let run = 0; run < 2000; run++) {
        const taken: Cidr[] = [];
        const count = rand(12);
        for (let i = 0; i < count; i++) {
          const prefix = 22 + rand(7);
          const base = p.base + rand(blockSize(20) / blockSize(prefix)) * blockSize(prefix);
          const c = { base, prefix };
          if (!taken.some((t) => overlaps(t, c))) taken.push(c);
        }
        const prefix = 21 + rand(8);
        const got = firstFreeBlock(p, prefix, taken);
        assert.deepEqual(
          got,
          oracle(p, prefix, taken),
          `run ${run}: prefix /${prefix}, taken ${taken.map(formatCidr).join(' ')}`,
        );
        if (got) assert.ok(taken.every((t) => !overlaps(t, got)) && contains(p, got));
      }
    });
  });
});
