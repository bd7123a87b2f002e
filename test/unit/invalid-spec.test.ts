// A spec a controller will not act on: one message naming each field, told once.
import assert from 'node:assert/strict';
import { alreadyShown, invalidSpec } from '../../controllers/invalid-spec.ts';
import { setCondition } from '../../operator/conditions.ts';

const now = new Date('2026-03-01T12:00:00Z');

describe('unit: InvalidSpec', () => {
  it('is nothing without problems, and one message naming every field otherwise', () => {
    assert.equal(invalidSpec([]), undefined);
    assert.deepEqual(
      invalidSpec([
        { field: 'spec.cidr', message: 'is immutable (was 10.1.0.0/16)' },
        { field: 'spec.subnets[1].name', message: 'a is listed twice' },
      ]),
      {
        reason: 'InvalidSpec',
        message: 'spec.cidr: is immutable (was 10.1.0.0/16); spec.subnets[1].name: a is listed twice',
      },
    );
  });

  it('is already shown only when Ready says this very problem', () => {
    const problem = invalidSpec([{ field: 'spec.end', message: 'must be after spec.start' }])!;
    const shown = setCondition(undefined, { type: 'Ready', status: 'False', ...problem }, now);
    assert.equal(alreadyShown({ conditions: shown }, problem), true);
    assert.equal(alreadyShown(undefined, problem), false);
    assert.equal(alreadyShown({ conditions: shown }, { ...problem, message: 'spec.month: other' }), false);
    const ready = setCondition(
      undefined,
      { type: 'Ready', status: 'True', reason: 'Issued', message: 'x' },
      now,
    );
    assert.equal(alreadyShown({ conditions: ready }, problem), false);
  });
});
