import assert from 'node:assert/strict';
import { drawEdits, judge, type MadeEdit } from '../../../bench/support/drift-edits.ts';

describe('bench: drift edits, drawn and judged', () => {
  it('draws distinct objects, each once, inside the window, in the order they are made; a seed replays it', () => {
    const plan = drawEdits(7, 200, 50, 30_000, 0.5);
    assert.equal(plan.length, 50);
    assert.equal(new Set(plan.map((e) => e.index)).size, 50);
    assert.ok(plan.every((e) => e.index >= 0 && e.index < 200));
    assert.ok(plan.every((e) => e.atMs >= 0 && e.atMs < 30_000));
    assert.ok(plan.every((e, i) => i === 0 || plan[i - 1]!.atMs <= e.atMs));
    assert.ok(plan.every((e) => e.growGiB >= 1 && e.growGiB <= 20));
    assert.deepEqual(drawEdits(7, 200, 50, 30_000, 0.5), plan);
    assert.notDeepEqual(drawEdits(8, 200, 50, 30_000, 0.5), plan);
  });

  it('edits every object when asked for as many edits as objects, and grows or deletes by the share', () => {
    assert.deepEqual(
      drawEdits(1, 10, 10, 1000, 1)
        .map((e) => e.index)
        .sort((a, b) => a - b),
      [...Array(10).keys()],
    );
    assert.ok(drawEdits(1, 10, 10, 1000, 1).every((e) => e.kind === 'grow'));
    assert.ok(drawEdits(1, 10, 10, 1000, 0).every((e) => e.kind === 'delete'));
    assert.ok(drawEdits(1, 10, 10, 0, 0.5).every((e) => e.atMs === 0));
    assert.throws(() => drawEdits(1, 5, 6, 1000, 0.5), RangeError);
  });

  it('times edits from their answer, and tells missed edits, false findings and drift before an edit apart', () => {
    const edit = (name: string, sentAt: number, refused?: string): MadeEdit => ({
      name,
      kind: 'grow',
      sentAt,
      returnedAt: sentAt + 5,
      ...(refused ? { refused } : {}),
    });
    const detected: Record<string, number> = { a: 1_105, b: 2_000 + 5 + 60_001, d: 400, e: 3_002 };
    const shown: Record<string, number> = { ...detected, c: 50, f: 9_000 };
    const findings = judge(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
      [edit('a', 1_000), edit('b', 2_000), edit('d', 500), edit('e', 3_000), edit('f', 100, 'HTTP 404')],
      { detected: (n) => detected[n], shown: (n) => shown[n] },
      60_000,
    );
    // a: 100 ms after its answer; e: seen between send and answer, counted as 0.
    assert.deepEqual(findings.latenciesMs, [100, 0]);
    // b: seen 1 ms past the timeout. g, h: never edited, never drifted; f: its edit was refused.
    assert.deepEqual(findings.missed, ['b']);
    assert.deepEqual(findings.falseFindings, ['c']);
    assert.deepEqual(findings.driftBeforeEdit, ['d']);
  });
});
