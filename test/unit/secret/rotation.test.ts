// The rotation schedule: periods read strictly, the next rotation after the last write, and what makes a
// rotation due (the schedule, or a new omnicloud.io/rotate-at value).
import assert from 'node:assert/strict';
import {
  nextRotation,
  parsePeriod,
  rotationDue,
  untilRotation,
} from '../../../controllers/secret/rotation.ts';

const at = (iso: string) => new Date(iso);

describe('unit: ManagedSecret rotation schedule', () => {
  it('reads whole numbers with one unit among s, m, h and d', () => {
    assert.deepEqual(parsePeriod('24h'), { ms: 86_400_000 });
    assert.deepEqual(parsePeriod('90s'), { ms: 90_000 });
    assert.deepEqual(parsePeriod('7d'), { ms: 7 * 86_400_000 });
    assert.deepEqual(parsePeriod('30m'), { ms: 1_800_000 });
  });

  it('refuses compound, fractional, signed, spaced, unitless and out-of-range periods, naming what is accepted', () => {
    for (const bad of ['1h30m', '1.5h', '-1h', ' 1h', '1h ', '24', 'h', '1H', '01h', '1w', '']) {
      const read = parsePeriod(bad);
      assert.ok('problem' in read, bad);
      assert.match(read.problem, /whole number followed by one unit/);
    }
    assert.deepEqual(parsePeriod('9s'), { problem: '9s is outside 10s to 366d' });
    assert.deepEqual(parsePeriod('367d'), { problem: '367d is outside 10s to 366d' });
  });

  it('puts the next rotation one period after the last write, in UTC, and none without a schedule', () => {
    assert.equal(nextRotation('24h', at('2026-03-29T00:30:00Z'))?.toISOString(), '2026-03-30T00:30:00.000Z');
    assert.equal(nextRotation(undefined, at('2026-03-29T00:30:00Z')), null);
    assert.equal(nextRotation('1h30m', at('2026-03-29T00:30:00Z')), null);
  });

  it('is due by schedule at the next rotation, not a millisecond before', () => {
    const state = { nextRotationAt: at('2026-01-01T12:00:00Z'), answeredRequest: null };
    assert.equal(rotationDue(state, undefined, at('2026-01-01T11:59:59.999Z')), undefined);
    assert.equal(rotationDue(state, undefined, at('2026-01-01T12:00:00Z')), 'schedule');
  });

  it('is due on demand for each new rotate-at value only', () => {
    const state = { nextRotationAt: null, answeredRequest: 'one' };
    const now = at('2026-01-01T00:00:00Z');
    assert.equal(rotationDue(state, 'one', now), undefined, 'a request answered already');
    assert.equal(rotationDue(state, 'two', now), 'request');
    assert.equal(rotationDue(state, '', now), undefined);
    assert.equal(rotationDue(state, undefined, now), undefined);
  });

  it('tells how long until the next rotation, never negative', () => {
    assert.equal(untilRotation(at('2026-01-01T00:00:10Z'), at('2026-01-01T00:00:00Z')), 10_000);
    assert.equal(untilRotation(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:10Z')), 0);
    assert.equal(untilRotation(null, at('2026-01-01T00:00:00Z')), undefined);
  });
});
