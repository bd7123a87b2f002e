// A settled object looked at again keeps the observedAt its status shows while its drift summary is otherwise
// the same, so the look writes no status; any other change takes the new time.
import assert from 'node:assert/strict';
import {
  keepObservedAt,
  summarizeDrift,
  type ActedDriftRecord,
} from '../../../../controllers/managed/drift/index.ts';

const first = new Date(Date.UTC(2026, 0, 1, 0, 0, 0));
const later = new Date(Date.UTC(2026, 0, 1, 0, 5, 0));
const record = (actual: number, action: ActedDriftRecord['action'] = 'alert'): ActedDriftRecord => ({
  path: 'sizeGiB',
  type: 'value_changed',
  severity: 'functional',
  desired: 10,
  actual,
  action,
});

describe('unit: drift observedAt kept while nothing else changed', () => {
  it('keeps the shown time when the same drift (or none) is found again', () => {
    for (const records of [[], [record(20)], [record(20, 'revert')]]) {
      const shown = summarizeDrift(records, first);
      const next = keepObservedAt(summarizeDrift(records, later), shown);
      assert.deepEqual(next, shown, JSON.stringify(records));
    }
  });

  it('takes the new time when the drift changed, appeared or went', () => {
    const cases: [ActedDriftRecord[], ActedDriftRecord[]][] = [
      [[record(20)], [record(30)]],
      [[], [record(20)]],
      [[record(20)], []],
      [[record(20)], [record(20, 'revert')]],
    ];
    for (const [before, now] of cases) {
      const next = keepObservedAt(summarizeDrift(now, later), summarizeDrift(before, first));
      assert.equal(next.observedAt, later.toISOString(), JSON.stringify([before, now]));
    }
  });

  it('takes the new time when nothing was shown before, and reads a removed plan (null) as none', () => {
    assert.equal(keepObservedAt(summarizeDrift([], later), undefined).observedAt, later.toISOString());
    const shown = { ...summarizeDrift([], first), plan: null } as unknown as Parameters<
      typeof keepObservedAt
    >[1];
    assert.equal(keepObservedAt(summarizeDrift([], later), shown).observedAt, first.toISOString());
  });
});
