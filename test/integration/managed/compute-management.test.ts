// Management and deletion policies and adoption of a Compute, against the real stack: an instance made
// outside OmniCloud is bound by the omnicloud.io/external-name annotation and, under ObserveOnly, only
// reported on (the simulator's call counter shows no call that changes it) and left when the object goes;
// deletionPolicy Orphan leaves the instance running while Delete removes it; one instance has one owner.
import assert from 'node:assert/strict';
import { condition } from '../../support/infra.ts';
import { DriftStack, runningAndInSync, type ComputeObj } from './drift-stack.ts';

const externalName = 'omnicloud.io/external-name';

/** Provider routes that change an instance; ObserveOnly must call none of them. */
const changingRoutes = [
  'POST /v1/instances/:id/start',
  'POST /v1/instances/:id/stop',
  'POST /v1/instances/:id/resize',
  'PUT /v1/instances/:id/security-groups',
  'DELETE /v1/instances/:id',
];

describe('integration: management and deletion policies and adoption of a Compute', function () {
  this.timeout(300_000);
  const stack = new DriftStack('manage');

  before(async () => {
    await stack.start();
  });
  after(async () => {
    await stack.close();
  });

  const driftAt = (c: ComputeObj, path: string) => c.status?.drift?.records?.find((r) => r.path === path);

  it('observes an adopted instance under ObserveOnly: reports console edits, changes nothing, leaves it when deleted', async () => {
    const outside = await stack.outsideInstance();
    await stack.createCompute('watched', { managementPolicy: 'ObserveOnly' }, { [externalName]: outside.id });
    const bound = await stack.waitCompute(
      'watched',
      'bound to the outside instance and in sync',
      (c) => c.status?.providerId === outside.id && runningAndInSync(c),
    );
    assert.equal(bound.status?.hostId, outside.hostId);
    assert.equal(bound.status?.zone, 'eu-west-1a');
    const uid = bound.metadata.uid!;

    const before = await stack.calls();
    await stack.console.setPower(outside.id, 'stopped');
    await stack.waitCompute('watched', 'the stop reported', (c) => driftAt(c, 'powerState') !== undefined);
    await stack.console.resizeInstance(outside.id, { vcpu: 2, memoryMiB: 4096 });
    const reported = await stack.waitCompute(
      'watched',
      'the resize reported too',
      (c) => !!driftAt(c, 'vcpu'),
    );
    assert.deepEqual(reported.status!.drift!.records.map((r) => [r.path, r.action]).sort(), [
      ['memoryMiB', 'alert'],
      ['powerState', 'alert'],
      ['vcpu', 'alert'],
    ]);
    assert.equal(reported.status?.drift?.plan, undefined, 'nothing is planned');
    assert.equal(condition(reported, 'Drifted')?.status, 'True');
    await stack.event(uid, 'Drifted');

    await stack.removeAndWait('computes', 'watched');
    const after = await stack.calls();
    for (const route of changingRoutes) assert.equal(after[route] ?? 0, before[route] ?? 0, `no ${route}`);
    const left = await stack.instance(outside.id);
    assert.deepEqual([left?.state, left?.vcpu], ['stopped', 2], 'left as the console made it');
    assert.match(
      (await stack.event(uid, 'Orphaned')).note,
      new RegExp(`^${outside.id} left at the provider: managementPolicy ObserveOnly never deletes$`),
    );
    assert.ok((await stack.history(uid)).some((r) => r.event === 'orphaned'));
  });

  it('shows an ObserveOnly Compute with nothing to observe as NothingToObserve, and creates nothing', async () => {
    await stack.createCompute('nothing', { managementPolicy: 'ObserveOnly' });
    const c = await stack.waitCompute(
      'nothing',
      'NothingToObserve',
      (o) => condition(o, 'Ready')?.reason === 'NothingToObserve',
    );
    assert.match(condition(c, 'Ready')!.message, /set the annotation omnicloud\.io\/external-name/);
    assert.equal(c.status?.providerId, undefined);
    await stack.removeAndWait('computes', 'nothing');
  });

  it('refuses a second Compute naming an instance another Compute already manages, naming that one', async () => {
    const outside = await stack.outsideInstance();
    await stack.createCompute('owner', { managementPolicy: 'ObserveOnly' }, { [externalName]: outside.id });
    await stack.waitCompute(
      'owner',
      'bound',
      (c) => c.status?.providerId === outside.id && runningAndInSync(c),
    );

    await stack.createCompute('rival', {}, { [externalName]: outside.id });
    const refused = await stack.waitCompute(
      'rival',
      'refused as AlreadyClaimed',
      (c) => condition(c, 'Ready')?.reason === 'AlreadyClaimed',
    );
    assert.equal(condition(refused, 'Ready')?.status, 'False');
    assert.match(
      condition(refused, 'Ready')!.message,
      new RegExp(`^${outside.id} is already managed by Compute ${stack.ns}/owner; `),
    );
    assert.equal(refused.status?.providerId, undefined);
    const told = await stack.event(refused.metadata.uid!, 'AlreadyClaimed');
    assert.equal(told.type, 'Warning');

    await stack.removeAndWait('computes', 'rival');
    const owner = (await stack.compute('owner'))!;
    assert.equal(owner.status?.providerId, outside.id, 'the owner keeps it');
    assert.equal(
      (await stack.instance(outside.id))?.state,
      'running',
      'deleting the refused one touched nothing',
    );
  });

  it('leaves the instance running when a Compute with deletionPolicy Orphan is deleted', async () => {
    await stack.createCompute('kept', { deletionPolicy: 'Orphan' });
    const c = await stack.waitCompute('kept', 'Running and in sync', runningAndInSync);
    const id = c.status!.providerId!;
    stack.leaveInstance(id);
    await stack.removeAndWait('computes', 'kept');
    assert.equal((await stack.instance(id))?.state, 'running');
    const orphaned = (await stack.history(c.metadata.uid!)).find((r) => r.event === 'orphaned');
    assert.ok(orphaned, 'the orphaning is in the drift history');
    assert.match(
      (await stack.event(c.metadata.uid!, 'Orphaned')).note,
      /left at the provider: deletionPolicy is Orphan$/,
    );
    const row = await stack.infra.query<{ phase: string; host_id: string | null }>(
      'SELECT phase, host_id FROM instances WHERE uid = $1',
      [c.metadata.uid],
    );
    assert.deepEqual(row.rows[0], { phase: 'Terminated', host_id: null }, 'the row is closed');
  });

  it('deletes the instance at the provider when a Compute with the default deletionPolicy Delete is deleted', async () => {
    await stack.createCompute('removed');
    const c = await stack.waitCompute('removed', 'Running and in sync', runningAndInSync);
    const id = c.status!.providerId!;
    await stack.removeAndWait('computes', 'removed');
    await stack.waitInstance(id, 'deleted at the provider', (i) => i === undefined);
  });
});
