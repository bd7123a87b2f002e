// Generated values: the length and charset asked for, every character of the charset reachable, and no byte
// bias (bytes above the largest multiple of the charset's size are drawn again).
import assert from 'node:assert/strict';
import { charsets, generateValue } from '../../../controllers/secret/value.ts';
import { secretCharsets } from '../../../crds/schemas/managed-secret.ts';

describe('unit: generated secret values', () => {
  it('has the length asked for and only characters of its charset', () => {
    for (const charset of secretCharsets) {
      for (const length of [8, 33, 4096]) {
        const value = generateValue(length, charset);
        assert.equal(value.length, length);
        assert.ok(
          [...value].every((c) => charsets[charset].includes(c)),
          `${charset}: ${value.slice(0, 40)}`,
        );
      }
    }
  });

  it('reaches every character of the charset and differs from one draw to the next', () => {
    const seen = new Set(generateValue(4096, 'symbols'));
    assert.equal(seen.size, charsets.symbols.length);
    assert.notEqual(generateValue(32, 'alphanumeric'), generateValue(32, 'alphanumeric'));
  });

  it('draws again for bytes that would bias the charset, rather than folding them', () => {
    // 62 alphanumeric characters: 248 is the largest multiple below 256, so 248..255 are dropped.
    let calls = 0;
    const random = (n: number) => {
      calls += 1;
      return calls === 1 ? Buffer.alloc(n, 250) : Buffer.alloc(n, 1);
    };
    assert.equal(generateValue(8, 'alphanumeric', random), 'BBBBBBBB');
    assert.equal(calls, 2);
  });
});
