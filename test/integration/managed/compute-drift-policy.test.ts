// What a Compute's drift policy and managementPolicy NoUpdate do with an instance stopped at the cloud's
// console, against the real stack: alert reports it (status, condition, history, event) and never starts the
// instance; accept takes the outside value with no finding; NoUpdate reports and never reverts.
import assert from 'node:assert/strict';
import { condition } from '../../support/infra.ts';
import { DriftStack, runningAndInSync, type ComputeObj } from './drift-stack.ts';

describe('integration: drift policies of a Compute', function () {
  this.timeout(300_000);
  const stack = new DriftStack('policy');

  before(async () => {
    await stack.start();
  });
  after(async () => {
    await stack.close();
  });

  async function stoppedAtTheConsole(name: string, spec: Parameters<DriftStack['createCompute']>[1]) {
    await stack.createCompute(name, spec);
    const c = await stack.waitCompute(name, 'Running, Ready and in sync', runningAndInSync);
    const id = c.status!.providerId!;
    await stack.console.setPower(id, 'stopped');
    return { id, uid: c.metadata.uid! };
  }

  const powerDrift = (c: ComputeObj) => c.status?.drift?.records?.find((r) => r.path === 'powerState');

  /** Several observe intervals pass (the operator lists the zone three more times) with the instance stopped. */
  async function staysStopped(id: string, uid: string) {
    await stack.listings(3);
    assert.equal((await stack.instance(id))?.state, 'stopped', 'the instance was not started');
    const events = (await stack.history(uid)).map((r) => r.event);
    assert.ok(!events.includes('remediating'), `nothing was remediated: ${events.join(', ')}`);
    const calls = await stack.events(uid);
    assert.ok(!calls.some((e) => e.reason === 'Remediating'), 'no Remediating event');
  }

  it('alerts on a stopped instance under a powerState override, shows it as not Ready, and never starts it', async () => {
    const { id, uid } = await stoppedAtTheConsole('alerted', {
      driftPolicy: { default: 'revert', overrides: [{ path: 'powerState', action: 'alert' }] },
    });
    const shown = await stack.waitCompute(
      'alerted',
      'the drift reported',
      (c) => powerDrift(c) !== undefined,
    );
    assert.equal(powerDrift(shown)?.action, 'alert');
    assert.equal(powerDrift(shown)?.severity, 'functional');
    assert.equal(shown.status?.drift?.plan, undefined, 'nothing to revert, so no plan');
    assert.equal(condition(shown, 'Drifted')?.status, 'True');
    const ready = condition(shown, 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'Drifted');
    assert.equal(ready?.message, '1 field differs from the spec (1 functional), first powerState');
    assert.equal((await stack.historyRow(uid, 'detected')).action, 'alert');
    assert.match((await stack.event(uid, 'Drifted')).note, /powerState \(functional, value_changed, alert\)/);

    await staysStopped(id, uid);
    const later = (await stack.compute('alerted'))!;
    assert.equal(powerDrift(later)?.action, 'alert', 'still reported');
    assert.equal(condition(later, 'Ready')?.status, 'False');
  });

  it('accepts a stopped instance under driftPolicy accept: no finding, the instance left stopped, Drifted=False', async () => {
    const { id, uid } = await stoppedAtTheConsole('accepted', {
      driftPolicy: { default: 'accept', overrides: [] },
    });
    const taken = await stack.historyRow(uid, 'accepted');
    assert.deepEqual([taken.path, taken.action, taken.actual], ['powerState', 'accept', 'Stopped']);
    await staysStopped(id, uid);
    const c = (await stack.compute('accepted'))!;
    assert.equal(c.status?.drift?.total, 0);
    assert.equal(condition(c, 'Drifted')?.status, 'False');
    assert.equal(condition(c, 'Drifted')?.reason, 'InSync');
    const told = (await stack.history(uid)).map((r) => r.event);
    assert.deepEqual(told, ['accepted'], 'accepted once, never detected');
    assert.ok(!(await stack.events(uid)).some((e) => e.reason === 'Drifted'), 'no Drifted event');
  });

  it('reports a stopped instance under managementPolicy NoUpdate and never starts it', async () => {
    const { id, uid } = await stoppedAtTheConsole('frozen', { managementPolicy: 'NoUpdate' });
    const shown = await stack.waitCompute('frozen', 'the drift reported', (c) => powerDrift(c) !== undefined);
    assert.equal(powerDrift(shown)?.action, 'alert', 'revert is not allowed: reported only');
    assert.equal(condition(shown, 'Drifted')?.status, 'True');
    assert.equal((await stack.historyRow(uid, 'detected')).action, 'alert');
    await staysStopped(id, uid);
  });
});
