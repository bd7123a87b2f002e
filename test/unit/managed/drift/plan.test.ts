// Remediation plans: records split by action, the changes in words, a hash that names the revert list whatever
// order it came in, and approval for security and critical reverts.
import assert from 'node:assert/strict';
import type { DriftPolicy } from '../../../../crds/schemas/managed.ts';
import { compare, planRemediation, type DriftRecord } from '../../../../controllers/managed/drift/index.ts';

const revertAll: DriftPolicy = { default: 'revert', overrides: [] };
const power: DriftRecord = {
  path: 'powerState',
  type: 'value_changed',
  severity: 'functional',
  desired: 'Running',
  actual: 'Stopped',
};
const openSsh = { protocol: 'tcp', ports: '22', cidr: '0.0.0.0/0' };
const extraRule: DriftRecord = {
  path: 'securityGroups[0].ingress[3]',
  type: 'resource_extra',
  severity: 'critical',
  actual: openSsh,
};
const label: DriftRecord = { path: 'labels.team', type: 'key_added', severity: 'cosmetic', actual: 'a' };
const vcpu: DriftRecord = { path: 'vcpu', type: 'key_removed', severity: 'functional', desired: 2 };

describe('unit: drift remediation plan', () => {
  it('splits records by the action the policy gives them', () => {
    const policy: DriftPolicy = {
      default: 'revert',
      overrides: [
        { path: 'labels', action: 'accept' },
        { path: 'securityGroups', action: 'alert' },
      ],
    };
    const plan = planRemediation([label, extraRule, power], policy);
    assert.deepEqual(plan.revert, [power]);
    assert.deepEqual(plan.accepted, [label]);
    assert.deepEqual(plan.alerted, [extraRule]);
    assert.equal(plan.needsApproval, false, 'a security record only reported needs no approval');
  });

  it('says each change in words', () => {
    const records: DriftRecord[] = [
      power,
      extraRule,
      vcpu,
      label,
      { path: 'disk', type: 'type_mismatch', severity: 'functional', desired: { size: 1 }, actual: 'x' },
      { path: 'tags[1]', type: 'resource_missing', severity: 'functional', desired: 'b' },
    ];
    assert.deepEqual(planRemediation(records, revertAll).changes, [
      'set disk to {"size":1} (is "x")',
      'remove labels.team "a"',
      'set powerState to "Running" (is "Stopped")',
      'remove securityGroups[0].ingress[3] {"protocol":"tcp","ports":"22","cidr":"0.0.0.0/0"}',
      'add tags[1] "b"',
      'add vcpu 2',
    ]);
  });

  it('recreates a missing resource and deletes an undeclared one', () => {
    assert.deepEqual(planRemediation(compare({ a: 1 }, undefined), revertAll).changes, [
      'recreate the missing resource',
    ]);
    assert.deepEqual(planRemediation(compare(undefined, { a: 1 }), revertAll).changes, [
      'delete the resource the spec does not declare',
    ]);
  });

  it('cuts long values so that a change line stays short', () => {
    const long: DriftRecord = {
      path: 'userData',
      type: 'value_changed',
      severity: 'functional',
      desired: 'x'.repeat(5000),
      actual: 'y',
    };
    const [line] = planRemediation([long], revertAll).changes;
    assert.ok(line!.length < 300, `${line!.length} characters`);
    assert.match(line!, /…/);
  });

  describe('hash', () => {
    it('is 16 hex digits', () => {
      assert.match(planRemediation([power], revertAll).hash, /^[0-9a-f]{16}$/);
    });
    it('does not depend on the order of records or of their keys', () => {
      const reordered = {
        actual: openSsh,
        severity: 'critical',
        type: 'resource_extra',
        path: extraRule.path,
      } as DriftRecord;
      const one = planRemediation([power, extraRule, vcpu], revertAll);
      const two = planRemediation([vcpu, reordered, power], revertAll);
      assert.equal(one.hash, two.hash);
      assert.deepEqual(one.changes, two.changes);
    });
    it('changes when a reverted record changes', () => {
      const other = { ...power, actual: 'Stopping' };
      assert.notEqual(planRemediation([power], revertAll).hash, planRemediation([other], revertAll).hash);
    });
    it('covers only what is reverted', () => {
      const policy: DriftPolicy = { default: 'revert', overrides: [{ path: 'labels', action: 'alert' }] };
      assert.equal(planRemediation([power, label], policy).hash, planRemediation([power], policy).hash);
    });
  });

  describe('approval', () => {
    it('is needed when a critical record is reverted', () => {
      assert.equal(planRemediation([power, extraRule], revertAll).needsApproval, true);
    });
    it('is needed when a security record is reverted', () => {
      assert.equal(planRemediation([{ ...extraRule, severity: 'security' }], revertAll).needsApproval, true);
    });
    it('is not needed for functional and cosmetic reverts', () => {
      assert.equal(planRemediation([power, label, vcpu], revertAll).needsApproval, false);
    });
    it('is not needed when nothing is to be reverted', () => {
      const plan = planRemediation([], revertAll);
      assert.deepEqual([plan.revert, plan.changes, plan.needsApproval], [[], [], false]);
    });
  });
});
