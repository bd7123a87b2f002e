// Drift of a Compute against the real stack: an instance changed at the cloud's console (stopped, resized,
// opened to the world, deleted) is found by the next listing of its zone, shown in status.drift and a Drifted
// condition, told once (drift_history, the outbox, a Warning event), and put back under the default revert
// policy; a change that opens ingress to the world waits for the plan's approval first.
import assert from 'node:assert/strict';
import { condition } from '../../support/infra.ts';
import {
  detectionDeadlineMs,
  DriftStack,
  runningAndInSync,
  webGroup,
  type ComputeObj,
} from './drift-stack.ts';

const worldSsh = { protocol: 'tcp' as const, ports: '22', cidr: '0.0.0.0/0' };

describe('integration: drift of a Compute, found and put back', function () {
  this.timeout(300_000);
  const stack = new DriftStack('drift');

  before(async () => {
    await stack.start();
  });
  after(async () => {
    await stack.close();
  });

  async function running(name: string, spec: Parameters<DriftStack['createCompute']>[1] = {}) {
    await stack.createCompute(name, spec);
    const c = await stack.waitCompute(name, 'Running, Ready and in sync', runningAndInSync);
    return { c, id: c.status!.providerId!, uid: c.metadata.uid! };
  }

  const driftAt = (c: ComputeObj, path: string) => c.status?.drift?.records?.find((r) => r.path === path);

  /** The drift each status version showed since `since`, for a failure's message. */
  const trail = (name: string, since: number) =>
    stack.computes
      .of(name, since)
      .map(
        ({ obj: c }) =>
          `${c.status?.phase} Ready=${condition(c, 'Ready')?.reason} Drifted=${condition(c, 'Drifted')?.reason} total=${c.status?.drift?.total} plan=${JSON.stringify(c.status?.drift?.plan)}`,
      )
      .join('\n');

  it('finds an instance stopped at the console within one observe interval, tells it once and starts it again', async () => {
    const { id, uid } = await running('stopped-1');
    const editedAt = Date.now();
    await stack.console.setPower(id, 'stopped');

    const shown = await stack.computes.first(
      'stopped-1',
      'status.drift showing powerState',
      (c) => driftAt(c, 'powerState') !== undefined,
      editedAt,
      detectionDeadlineMs,
    );
    assert.ok(shown.at - editedAt <= detectionDeadlineMs, `shown ${shown.at - editedAt} ms after the edit`);
    assert.deepEqual(driftAt(shown.obj, 'powerState'), {
      path: 'powerState',
      type: 'value_changed',
      severity: 'functional',
      desired: '"Running"',
      actual: '"Stopped"',
      action: 'revert',
    });
    assert.equal(shown.obj.status!.drift!.total, 1);
    assert.equal(shown.obj.status!.drift!.counts.functional, 1);
    assert.equal(shown.obj.status!.drift!.plan?.awaitingApproval, false, 'a power change needs no approval');
    assert.equal(condition(shown.obj, 'Drifted')?.status, 'True');
    assert.equal(condition(shown.obj, 'Ready')?.status, 'False');

    const told = await stack.event(uid, 'Drifted');
    assert.equal(told.type, 'Warning');
    assert.match(told.note, /^1 drift record: powerState \(functional, value_changed, revert\)$/);
    const detected = await stack.historyRow(uid, 'detected');
    assert.deepEqual(
      [
        detected.path,
        detected.drift_type,
        detected.severity,
        detected.action,
        detected.desired,
        detected.actual,
      ],
      ['powerState', 'value_changed', 'functional', 'revert', 'Running', 'Stopped'],
    );
    assert.ok((await stack.outboxTypes(uid)).includes('io.omnicloud.compute.drift-detected'));

    await stack.waitInstance(id, 'running again', (i) => i?.state === 'running');
    const back = await stack.waitCompute('stopped-1', 'Drifted=False after the revert', runningAndInSync);
    assert.equal(back.status?.providerId, id, 'started again, not replaced');
    assert.equal(condition(back, 'Drifted')?.reason, 'InSync');
    assert.equal(back.status?.drift?.total, 0);
    await stack.historyRow(uid, 'cleared');
    const events = (await stack.history(uid)).map((r) => r.event);
    assert.deepEqual(events, ['detected', 'remediating', 'remediated', 'cleared']);
    assert.equal((await stack.events(uid)).filter((e) => e.reason === 'Drifted').length, 1, 'told once');
  });

  it('starts an instance stopped at the console a second time again: each remediation asks the provider anew', async () => {
    const { id, uid } = await running('stopped-2');
    await stack.console.setPower(id, 'stopped');
    await stack.historyRow(uid, 'cleared');
    await stack.waitInstance(id, 'running after the first stop', (i) => i?.state === 'running');

    await stack.console.setPower(id, 'stopped');
    await stack.waitInstance(id, 'running after the second stop', (i) => i?.state === 'running', 30_000);
    await stack.waitCompute('stopped-2', 'in sync after the second stop', runningAndInSync, 30_000);
    const events = (await stack.history(uid)).map((r) => r.event);
    assert.deepEqual(events, [
      ...['detected', 'remediating', 'remediated', 'cleared'],
      ...['detected', 'remediating', 'remediated', 'cleared'],
    ]);
  });

  it('puts back a size changed at the console by resizing the instance', async () => {
    const { id, uid } = await running('resized-1');
    const editedAt = Date.now();
    await stack.console.resizeInstance(id, { vcpu: 2, memoryMiB: 4096 });
    const shown = await stack.computes.first(
      'resized-1',
      'status.drift showing vcpu and memoryMiB',
      (c) => driftAt(c, 'vcpu') !== undefined,
      editedAt,
      detectionDeadlineMs,
    );
    assert.deepEqual(
      shown.obj.status!.drift!.records.map((r) => [r.path, r.desired, r.actual, r.action]).sort(),
      [
        ['memoryMiB', '2048', '4096', 'revert'],
        ['vcpu', '1', '2', 'revert'],
      ],
    );
    const back = await stack.waitInstance(
      id,
      'at its spec size again',
      (i) => i?.vcpu === 1 && i.memoryMiB === 2048,
    );
    assert.equal(back?.state, 'running');
    await stack.waitCompute('resized-1', 'in sync after the resize', runningAndInSync);
    const remediating = await stack.historyRow(uid, 'remediating');
    assert.ok(remediating.plan_hash);
    await stack.historyRow(uid, 'remediated', (r) => r.plan_hash === remediating.plan_hash);
  });

  it('holds a rule that opens the instance to the world until its plan is approved by hash, then removes it', async () => {
    const { c, id, uid } = await running('guarded-1', { securityGroups: ['web'] });
    assert.equal(c.status?.drift?.total, 0);
    assert.deepEqual((await stack.instance(id))?.securityGroups, [webGroup]);

    await stack.console.addRule(id, { group: 'web', direction: 'ingress', rule: worldSsh });
    const held = await stack.waitCompute(
      'guarded-1',
      'a plan awaiting approval',
      (o) => o.status?.drift?.plan?.awaitingApproval === true,
      detectionDeadlineMs,
    );
    const drift = held.status!.drift!;
    const plan = drift.plan!;
    assert.match(plan.hash, /^[0-9a-f]{16}$/);
    assert.equal(drift.counts.critical, 1, JSON.stringify(drift.records));
    assert.equal(drift.records[0]!.severity, 'critical');
    assert.match(drift.records[0]!.path, /^securityGroups/);
    assert.match(drift.records[0]!.actual ?? '', /0\.0\.0\.0\/0/);
    assert.ok(
      plan.changes.some((line) => line.includes('0.0.0.0/0')),
      plan.changes.join('; '),
    );
    assert.equal(condition(held, 'Drifted')?.reason, 'AwaitingApproval');
    assert.equal(condition(held, 'Ready')?.status, 'False');
    assert.match(condition(held, 'Ready')!.message, new RegExp(`omnicloud.io/approve-plan=${plan.hash}`));
    assert.equal((await stack.historyRow(uid, 'detected')).severity, 'critical');

    // Unapproved, the rule stays however long the operator keeps looking.
    await stack.listings(3);
    const open = await stack.instance(id);
    assert.ok(
      open?.securityGroups[0]?.ingress.some((r) => r.cidr === '0.0.0.0/0'),
      'the rule is still there',
    );
    assert.ok(!(await stack.history(uid)).some((r) => r.event === 'remediating'), 'nothing was remediated');

    const approvedAt = Date.now();
    await stack.annotate('computes', 'guarded-1', { 'omnicloud.io/approve-plan': plan.hash });
    const closed = await stack.waitInstance(
      id,
      'the world-open rule removed',
      (i) => i !== undefined && !i.securityGroups.some((g) => g.ingress.some((r) => r.cidr === '0.0.0.0/0')),
    );
    assert.deepEqual(closed?.securityGroups, [webGroup]);
    const back = await stack.waitCompute('guarded-1', 'in sync after the approved plan', runningAndInSync);
    assert.equal(back.status?.drift?.plan, undefined, trail('guarded-1', approvedAt));
    await stack.historyRow(uid, 'remediating', (r) => r.plan_hash === plan.hash && r.severity === 'critical');
    await stack.historyRow(uid, 'remediated', (r) => r.plan_hash === plan.hash);
  });

  it('creates an instance deleted at the console again, under a new provider id', async () => {
    const { id, uid } = await running('deleted-1');
    await stack.console.deleteInstance(id);
    const missing = await stack.historyRow(
      uid,
      'detected',
      (r) => r.drift_type === 'resource_missing',
      60_000,
    );
    assert.deepEqual([missing.path, missing.severity, missing.action], ['$', 'critical', 'revert']);
    const again = await stack.waitCompute(
      'deleted-1',
      'Running again under a new provider id',
      (o) => Boolean(o.status?.providerId && o.status.providerId !== id) && runningAndInSync(o),
      120_000,
    );
    const fresh = await stack.instance(again.status!.providerId!);
    assert.equal(fresh?.state, 'running');
    assert.equal(await stack.instance(id), undefined, 'the deleted instance stays deleted');
    assert.equal(condition(again, 'Ready')?.status, 'True');
  });
});
