// Schedules and retention: when the next snapshot is due, which ones go, and which data is a dead writer's.
import assert from 'node:assert/strict';
import { dueInMs, durationMs, orphanedData, toPrune } from '../../../controllers/state-snapshot/retention.ts';

describe('state snapshot schedule and retention', () => {
  it('reads durations in s, m and h and nothing else', () => {
    assert.equal(durationMs('90s'), 90_000);
    assert.equal(durationMs('30m'), 1_800_000);
    assert.equal(durationMs('24h'), 86_400_000);
    assert.equal(durationMs('168h'), 604_800_000);
    for (const bad of ['24', 'h', '1.5h', '-1h', '7d', '1w', ' 1h', '1h '])
      assert.equal(durationMs(bad), undefined, bad);
  });

  it('is due at once with no snapshot yet, then every interval after the last', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    assert.equal(dueInMs(undefined, 3_600_000, now), 0);
    assert.equal(dueInMs(new Date('2026-12-03T11:30:00Z'), 3_600_000, now), 1_800_000);
    assert.equal(dueInMs(new Date('2026-12-02T00:00:00Z'), 3_600_000, now), 0);
  });

  it('keeps the newest `keep` snapshots whatever order they are listed in', () => {
    const ids = [
      '20261203T000000000Z-00000003',
      '20261201T000000000Z-00000001',
      '20261202T000000000Z-00000002',
    ];
    assert.deepEqual(toPrune(ids, 2), ['20261201T000000000Z-00000001']);
    assert.deepEqual(toPrune(ids, 5), []);
    assert.deepEqual(toPrune(ids, 0).length, 3);
  });

  it('takes data with no marker for a dead writer only after the grace period', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    const data = [
      { id: 'marked', lastModified: new Date('2026-12-01T00:00:00Z') },
      { id: 'old-orphan', lastModified: new Date('2026-12-03T10:00:00Z') },
      { id: 'being-written', lastModified: new Date('2026-12-03T11:59:59Z') },
    ];
    assert.deepEqual(orphanedData(data, new Set(['marked']), now, 3_600_000), ['old-orphan']);
  });
});
