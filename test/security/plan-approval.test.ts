// A remediation plan that waits for approval (a rule that opens an instance to the world) is applied only by
// the omnicloud.io/approve-plan annotation naming its own hash, against the real stack: a wrong hash, a hash
// not written as status shows it, the hash of the plan it had before the drift grew, and the hash of another
// object's plan leave the plan waiting through several observe intervals, with no call to the provider that
// changes the instance (the simulator's call counter) and its rules as the console left them. The right hash
// then applies it, which shows the test would see an applied plan.
import assert from 'node:assert/strict';
import { condition } from '../support/infra.ts';
import { changesTo, ManagedSecurityStack, webGroup, type ComputeObj } from './managed-stack.ts';

const approvePlan = 'omnicloud.io/approve-plan';
const worldSsh = { protocol: 'tcp' as const, ports: '22', cidr: '0.0.0.0/0' };
const worldRdp = { protocol: 'tcp' as const, ports: '3389', cidr: '0.0.0.0/0' };
const worldDb = { protocol: 'tcp' as const, ports: '5432', cidr: '0.0.0.0/0' };

const inSync = (c: ComputeObj) =>
  c.status?.phase === 'Running' &&
  condition(c, 'Ready')?.status === 'True' &&
  condition(c, 'Drifted')?.status === 'False';

describe('security: a plan waiting for approval is applied only by its own hash', function () {
  this.timeout(300_000);
  const stack = new ManagedSecurityStack(['approve']);
  const [t] = stack.tenants as [ManagedSecurityStack['tenants'][number]];

  before(async () => {
    await stack.start();
  });
  after(async () => {
    await stack.close();
  });

  async function running(name: string): Promise<string> {
    await t.createCompute(name, { securityGroups: ['web'] });
    const c = await t.waitCompute(name, 'Running and in sync', inSync);
    assert.deepEqual((await stack.instance(c.status!.providerId!))?.securityGroups, [webGroup]);
    return c.status!.providerId!;
  }

  /** The plan the object shows waiting, once it is not `other` (a plan it showed before). */
  async function waitingPlan(name: string, other?: string): Promise<string> {
    const c = await t.waitCompute(
      name,
      `a plan awaiting approval${other ? ` other than ${other}` : ''}`,
      (o) => o.status?.drift?.plan?.awaitingApproval === true && o.status.drift.plan.hash !== other,
      30_000,
    );
    assert.equal(condition(c, 'Drifted')?.reason, 'AwaitingApproval');
    return c.status!.drift!.plan!.hash;
  }

  const ingressOf = async (id: string) =>
    ((await stack.instance(id))?.securityGroups ?? [])
      .flatMap((g) => g.ingress.map((r) => `${r.ports}:${r.cidr}`))
      .sort();

  /**
   * Annotated with `value`, nothing is applied through three listings: no call to the provider that changes
   * anything, the rules as they were, no remediation started, and the plan still shown waiting (the object is
   * still observed). A malformed value is shown besides as the PlanApproval condition, naming the annotation.
   */
  async function notApplied(name: string, id: string, value: string, hash: string, what: string) {
    const rules = await ingressOf(id);
    const since = Date.now();
    await t.annotate('computes', name, { [approvePlan]: value });
    await stack.listings(3);
    const malformed = !/^[0-9a-f]{16,64}$/.test(value);
    const c = await t.waitCompute(
      name,
      malformed ? 'the approval shown as malformed' : 'read',
      (o) => !malformed || condition(o, 'PlanApproval')?.reason === 'MalformedApproval',
      30_000,
    );
    assert.equal(c.status?.drift?.plan?.hash, hash, `${what}: the plan changed`);
    assert.equal(c.status?.drift?.plan?.awaitingApproval, true, `${what}: the plan no longer waits`);
    assert.equal(condition(c, 'Ready')?.reason, 'AwaitingApproval', `${what}: ${JSON.stringify(c.status)}`);
    if (malformed) {
      const shown = condition(c, 'PlanApproval')!;
      assert.equal(shown.status, 'False');
      assert.ok(shown.message.includes(`metadata.annotations[${approvePlan}]`), shown.message);
    } else {
      assert.equal(condition(c, 'PlanApproval'), undefined, `${what}: a well-formed hash shown as malformed`);
    }
    assert.deepEqual(changesTo([id], since), [], `${what}: the provider was asked to change the instance`);
    assert.deepEqual(await ingressOf(id), rules, `${what}: the rules changed`);
    const { rows } = await stack.infra.query(
      "SELECT plan_hash FROM drift_history WHERE uid = $1 AND event = 'remediating'",
      [c.metadata.uid],
    );
    assert.deepEqual(rows, [], `${what}: a remediation was started`);
  }

  it('leaves the plan waiting for a wrong, a misspelt, an older or another object’s hash, then applies its own', async () => {
    const id = await running('guarded');
    const other = await running('neighbour');

    await stack.console.addRule(id, { group: 'web', direction: 'ingress', rule: worldSsh });
    const older = await waitingPlan('guarded');
    // The drift grows: the plan that would put it back is another plan, with another hash.
    await stack.console.addRule(id, { group: 'web', direction: 'ingress', rule: worldRdp });
    const current = await waitingPlan('guarded', older);
    assert.notEqual(current, older);
    // Another object's plan, for another drift.
    await stack.console.addRule(other, { group: 'web', direction: 'ingress', rule: worldDb });
    const neighbours = await waitingPlan('neighbour');
    assert.notEqual(neighbours, current);

    await notApplied('guarded', id, 'deadbeefdeadbeef', current, 'a wrong hash');
    await notApplied('guarded', id, current.toUpperCase(), current, 'the hash in upper case');
    await notApplied('guarded', id, `${current} `, current, 'the hash with a trailing space');
    await notApplied('guarded', id, current.slice(0, 15), current, 'the hash cut short');
    await notApplied('guarded', id, older, current, 'the hash of the plan before the drift grew');
    await notApplied('guarded', id, neighbours, current, "another object's plan hash");
    assert.deepEqual(
      await ingressOf(other),
      ['443:10.0.0.0/8', '5432:0.0.0.0/0'],
      'the other object’s plan was not applied either',
    );

    await t.annotate('computes', 'guarded', { [approvePlan]: current });
    await t.waitCompute('guarded', 'in sync after its own plan was approved', inSync, 60_000);
    assert.deepEqual(await ingressOf(id), ['443:10.0.0.0/8'], 'the approved plan removed both rules');
    const { rows } = await stack.infra.query<{ plan_hash: string }>(
      "SELECT DISTINCT plan_hash FROM drift_history WHERE uid = $1 AND event = 'remediating'",
      [(await t.waitCompute('guarded', 'read', () => true)).metadata.uid],
    );
    assert.deepEqual(
      rows.map((r) => r.plan_hash),
      [current],
      'only the approved plan was applied',
    );
  });
});
