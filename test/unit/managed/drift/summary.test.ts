// The drift status: the shape driftStatusSchema takes, counts by severity, the most severe records first with
// values cut to status size, and the plan only when something is to be reverted.
import assert from 'node:assert/strict';
import { driftStatusSchema, type DriftPolicy } from '../../../../crds/schemas/managed.ts';
import {
  compare,
  planRemediation,
  summarizeDrift,
  withActions,
  type ActedDriftRecord,
} from '../../../../controllers/managed/drift/index.ts';

const at = new Date(Date.UTC(2025, 0, 2, 3, 4, 5));
const revertAll: DriftPolicy = { default: 'revert', overrides: [] };

function acted(
  path: string,
  severity: ActedDriftRecord['severity'],
  action: ActedDriftRecord['action'] = 'revert',
): ActedDriftRecord {
  return { path, type: 'value_changed', severity, desired: 1, actual: 2, action };
}

describe('unit: drift status summary', () => {
  it('is what driftStatusSchema takes, with counts, total and the time in UTC', () => {
    const records = [
      acted('a', 'cosmetic'),
      acted('b', 'functional'),
      acted('c', 'functional'),
      acted('d', 'critical'),
    ];
    const status = driftStatusSchema.parse(summarizeDrift(records, at));
    assert.equal(status.observedAt, '2025-01-02T03:04:05.000Z');
    assert.equal(status.total, 4);
    assert.deepEqual(status.counts, { cosmetic: 1, functional: 2, security: 0, critical: 1 });
  });

  it('lists the most severe first, then by path, at most limit', () => {
    const records = [
      acted('z', 'cosmetic'),
      acted('b', 'functional'),
      acted('a', 'functional'),
      acted('y', 'security'),
      acted('x', 'critical'),
    ];
    const status = summarizeDrift(records, at, 3);
    assert.deepEqual(
      status.records.map((r) => r.path),
      ['x', 'y', 'a'],
    );
    assert.equal(status.total, 5, 'the total counts every record, shown or not');
  });

  it('never shows more than the ten records status holds', () => {
    const records = Array.from({ length: 30 }, (_, i) => acted(`f${i}`, 'functional'));
    const status = driftStatusSchema.parse(summarizeDrift(records, at, 50));
    assert.equal(status.records.length, 10);
  });

  it('shows values as JSON cut to 256 characters', () => {
    const record: ActedDriftRecord = {
      path: 'userData',
      type: 'value_changed',
      severity: 'functional',
      desired: 'x'.repeat(1000),
      actual: { a: [1] },
      action: 'alert',
    };
    const [shown] = driftStatusSchema.parse(summarizeDrift([record], at)).records;
    assert.equal(shown!.desired!.length, 256);
    assert.equal(shown!.actual, '{"a":[1]}');
  });

  it('leaves out the side a record does not have', () => {
    const record: ActedDriftRecord = {
      path: 'tier',
      type: 'key_added',
      severity: 'functional',
      actual: 'gold',
      action: 'alert',
    };
    const [shown] = summarizeDrift([record], at).records;
    assert.deepEqual(shown, {
      path: 'tier',
      type: 'key_added',
      severity: 'functional',
      actual: '"gold"',
      action: 'alert',
    });
  });

  it('has no plan when nothing is to be reverted', () => {
    const status = summarizeDrift([acted('a', 'critical', 'alert'), acted('b', 'functional', 'accept')], at);
    assert.equal(status.plan, undefined);
    assert.deepEqual(summarizeDrift([], at), {
      observedAt: at.toISOString(),
      total: 0,
      counts: { cosmetic: 0, functional: 0, security: 0, critical: 0 },
      records: [],
    });
  });

  it('has the plan of the reverted records, the same one planRemediation makes', () => {
    const records = compare(
      { powerState: 'Running', ingress: [] },
      { powerState: 'Stopped', ingress: [{ protocol: 'tcp', ports: '22', cidr: '0.0.0.0/0' }] },
    );
    const status = driftStatusSchema.parse(summarizeDrift(withActions(records, revertAll), at));
    const plan = planRemediation(records, revertAll);
    assert.deepEqual(status.plan, { hash: plan.hash, changes: plan.changes, awaitingApproval: true });
    assert.equal(status.records[0]!.severity, 'critical');
  });

  it('stops awaiting approval once the annotation names this plan, and only this plan', () => {
    const records = [acted('securityGroups[0].name', 'security')];
    const { hash } = summarizeDrift(records, at).plan!;
    assert.equal(summarizeDrift(records, at, 10, hash).plan!.awaitingApproval, false);
    assert.equal(summarizeDrift(records, at, 10, '0123456789abcdef').plan!.awaitingApproval, true);
  });

  it('fits a long plan into the twenty lines of 512 characters status holds', () => {
    const records = Array.from({ length: 45 }, (_, i): ActedDriftRecord => ({
      path: `p${i}`,
      type: 'value_changed',
      severity: 'functional',
      desired: 'd'.repeat(600),
      actual: 'a',
      action: 'revert',
    }));
    const status = driftStatusSchema.parse(summarizeDrift(records, at));
    assert.equal(status.plan!.changes.length, 20);
    assert.equal(status.plan!.changes[19], 'and 26 more changes');
  });
});
