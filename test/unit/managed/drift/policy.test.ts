// The drift policy's action for a path: overrides cover a path and everything below it at a . or [ boundary,
// the longest wins, the default takes the rest and the whole resource.
import assert from 'node:assert/strict';
import type { DriftPolicy } from '../../../../crds/schemas/managed.ts';
import { actionFor, withActions, type DriftRecord } from '../../../../controllers/managed/drift/index.ts';

const policy: DriftPolicy = {
  default: 'revert',
  overrides: [
    { path: 'securityGroups', action: 'alert' },
    { path: 'securityGroups[0].ingress', action: 'revert' },
    { path: 'power', action: 'accept' },
    { path: 'labels', action: 'accept' },
  ],
};

const cases: [string, string][] = [
  ['securityGroups', 'alert'],
  ['securityGroups[1].egress[0]', 'alert'],
  ['securityGroups[0].ingress[1]', 'revert'],
  ['securityGroups[0].ingress', 'revert'],
  ['securityGroups[0].egress', 'alert'],
  ['securityGroups[0].ingressRules', 'alert'],
  ['powerState', 'revert'],
  ['power', 'accept'],
  ['power.mode', 'accept'],
  ['labels[app.kubernetes.io/name]', 'accept'],
  ['labelsExtra', 'revert'],
  ['vcpu', 'revert'],
  ['$', 'revert'],
];

describe('unit: drift policy', () => {
  for (const [path, action] of cases) {
    it(`${path} takes ${action}`, () => assert.equal(actionFor(path, policy), action));
  }

  it('uses the default for the whole resource even when an override would look like it covers it', () => {
    assert.equal(actionFor('$', { default: 'alert', overrides: [{ path: 'a', action: 'revert' }] }), 'alert');
  });

  it('uses the longest override whatever order they are listed in', () => {
    const reversed: DriftPolicy = { ...policy, overrides: [...policy.overrides].reverse() };
    for (const [path, action] of cases) assert.equal(actionFor(path, reversed), action, path);
  });

  it('gives each record its action', () => {
    const records: DriftRecord[] = [
      { path: 'powerState', type: 'value_changed', severity: 'functional' },
      { path: 'labels.team', type: 'key_added', severity: 'cosmetic' },
    ];
    assert.deepEqual(
      withActions(records, policy).map((r) => r.action),
      ['revert', 'accept'],
    );
  });
});
