// The audit hash chain: canonical form, and every kind of tampering found at the right entry.
import assert from 'node:assert/strict';
import {
  canonicalJson,
  chainHash,
  genesisHash,
  verifyEntries,
  type ChainEntry,
} from '../../../controllers/audit/chain.ts';

function build(events: unknown[]): ChainEntry[] {
  let prev = genesisHash;
  return events.map((event, i) => {
    const hash = chainHash(prev, i + 1, event);
    const e = { seq: i + 1, prevHash: prev, hash, event };
    prev = hash;
    return e;
  });
}

describe('unit: audit hash chain', () => {
  const events = Array.from({ length: 20 }, (_, i) => ({
    id: `e${i}`,
    type: 'io.omnicloud.compute.running',
    data: { n: i, nested: { b: 1, a: [1, 2] } },
  }));

  it('canonical JSON sorts keys at every depth and keeps array order', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }),
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    assert.equal(canonicalJson({ a: 1, b: undefined }), '{"a":1}');
  });
  it('an intact chain verifies, and key order does not matter', () => {
    const chain = build(events);
    assert.deepEqual(verifyEntries(chain), { ok: true, entries: 20, head: chain[19]!.hash });
    const reverse = (v: unknown): unknown =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, x]) => [k, reverse(x)]),
          )
        : v;
    const reordered = chain.map((e) => ({ ...e, event: reverse(e.event) }));
    assert.notEqual(JSON.stringify(reordered[0]!.event), JSON.stringify(chain[0]!.event));
    assert.equal(verifyEntries(reordered).ok, true);
  });
  it('finds a changed event', () => {
    const chain = build(events);
    chain[7] = { ...chain[7]!, event: { ...(chain[7]!.event as object), data: { n: 700 } } };
    assert.deepEqual(verifyEntries(chain), {
      ok: false,
      entries: 8,
      brokenAt: 8,
      problem: 'the event does not match its hash (changed after it was recorded)',
    });
  });
  it('finds a deleted entry', () => {
    const chain = build(events);
    chain.splice(4, 1);
    const v = verifyEntries(chain);
    assert.equal(v.ok, false);
    assert.equal(!v.ok && v.brokenAt, 6);
  });
  it('finds a rewritten tail (hash recomputed but prev_hash broken)', () => {
    const chain = build(events);
    const forged = { ...chain[10]!, event: { id: 'forged' } };
    forged.hash = chainHash(forged.prevHash, forged.seq, forged.event);
    chain[10] = forged;
    const v = verifyEntries(chain);
    assert.equal(!v.ok && v.brokenAt, 12);
  });
  it('an empty log is intact', () =>
    assert.deepEqual(verifyEntries([]), { ok: true, entries: 0, head: genesisHash }));
});
