// One tenant cannot take over another tenant's outside resource through the omnicloud.io/external-name
// annotation, against the real stack: an instance or a volume that tenant B's object created (still B's, or
// orphaned by B with deletionPolicy Orphan) named by an object in tenant A's namespace is refused with a
// condition and a Warning event; no status version of A's object ever shows B's resource (its addresses, host,
// size), infra_db records nothing of it for A, and the provider sees no call that changes it, neither while A's
// object exists nor when it is deleted (judged by the simulator's request log for that resource, which other
// tests on the shared stack do not touch). B itself can still take back what it orphaned.
import assert from 'node:assert/strict';
import { condition } from '../support/infra.ts';
import { ManagedSecurityStack, changesTo, type ComputeObj, type VolumeObj } from './managed-stack.ts';

const externalName = 'omnicloud.io/external-name';
/** What an object that names an outside resource it may not have shows in Ready. */
const refusals = new Set(['OwnedByAnotherTenant', 'AlreadyClaimed']);

const refused = (o: ComputeObj | VolumeObj) => refusals.has(condition(o, 'Ready')?.reason ?? '');
/** Refused, or bound (which is what must not happen): whichever comes first ends the wait. */
const decided = (o: ComputeObj | VolumeObj) => refused(o) || Boolean(o.status?.providerId);

describe('security: an outside resource of another tenant cannot be adopted', function () {
  this.timeout(420_000);
  const stack = new ManagedSecurityStack(['adopt-a', 'adopt-b']);
  const [a, b] = stack.tenants as [
    ManagedSecurityStack['tenants'][number],
    ManagedSecurityStack['tenants'][number],
  ];

  before(async () => {
    await stack.start();
  });
  after(async () => {
    await stack.close();
  });

  /** Every status version A's object ever had shows nothing of B's resource. */
  function assertNeverShown(versions: { obj: ComputeObj | VolumeObj }[], facts: string[], what: string) {
    assert.ok(versions.length > 0, `${what}: no status version seen`);
    for (const { obj } of versions) {
      const status = obj.status as Record<string, unknown> | undefined;
      for (const field of ['providerId', 'privateIp', 'publicIp', 'hostId', 'zone', 'sizeGiB'])
        assert.equal(status?.[field], undefined, `${what}: status.${field} shown: ${JSON.stringify(status)}`);
      const text = JSON.stringify(status ?? {});
      for (const fact of facts) assert.ok(!text.includes(fact), `${what}: status shows ${fact}: ${text}`);
    }
  }

  async function assertNothingRecordedFor(uid: string, table: 'instances' | 'volumes') {
    const { rows } = await stack.infra.query(`SELECT uid FROM ${table} WHERE uid = $1`, [uid]);
    assert.equal(rows.length, 0, `infra_db holds a ${table} row for the refused object`);
    const told = await stack.toldOf(uid);
    assert.deepEqual(told, { history: [], outbox: [] }, 'nothing told of the refused object');
  }

  it('refuses an instance B orphaned when A names it, shows nothing of it, and neither stops nor deletes it', async () => {
    await b.createCompute('b-vm', { deletionPolicy: 'Orphan', publicIp: true });
    const owned = await b.waitCompute(
      'b-vm',
      'Running with a public address',
      (c) => c.status?.phase === 'Running' && Boolean(c.status.publicIp),
    );
    const id = owned.status!.providerId!;
    stack.leaveInstance(id);
    await b.removeAndWait('computes', 'b-vm');
    const left = (await stack.instance(id))!;
    assert.equal(left.state, 'running', 'orphaned, still running');
    const facts = [left.privateIp!, left.publicIp!, left.hostId, b.ns, 'b-vm'];

    const since = Date.now();
    // Full management of a stopped, larger instance: adopted, it would be stopped and its groups replaced.
    await a.createCompute('a-grab', { powerState: 'Stopped', size: 'medium' }, { [externalName]: id });
    const seen = await a.waitCompute('a-grab', 'refused or bound', decided);
    assert.equal(seen.status?.providerId, undefined, `tenant A adopted tenant B's instance ${id}`);
    const ready = condition(seen, 'Ready')!;
    assert.deepEqual([ready.status, ready.reason], ['False', 'OwnedByAnotherTenant']);
    assert.match(ready.message, new RegExp(`^instance ${id} belongs to another tenant`));
    for (const fact of [b.ns, b.name, 'b-vm']) assert.ok(!ready.message.includes(fact), ready.message);
    const told = await a.event(seen.metadata.uid!, 'OwnedByAnotherTenant');
    assert.equal(told.type, 'Warning');
    assert.equal(told.note, ready.message);

    await stack.intervals(2); // nothing of the zone is tracked now: no listing marks the time
    const after = (await stack.instance(id))!;
    assert.deepEqual(
      [after.state, after.vcpu, after.memoryMiB, after.publicIp, after.securityGroups],
      [left.state, left.vcpu, left.memoryMiB, left.publicIp, left.securityGroups],
      'the instance is as B left it',
    );
    await a.removeAndWait('computes', 'a-grab');
    assert.equal((await stack.instance(id))?.state, 'running', 'deleting A’s object left it running');
    assert.deepEqual(changesTo([id], since), [], 'no call changed it');
    assertNeverShown(a.computes.of('a-grab'), facts, 'a-grab');
    await assertNothingRecordedFor(seen.metadata.uid!, 'instances');

    // B itself takes back what it orphaned: the refusal is about tenants, not about orphans.
    await b.createCompute('b-back', { managementPolicy: 'ObserveOnly' }, { [externalName]: id });
    const back = await b.waitCompute('b-back', 'bound again', decided);
    assert.equal(back.status?.providerId, id, JSON.stringify(back.status?.conditions));
    await b.removeAndWait('computes', 'b-back');
  });

  it("refuses an instance B's object still manages, showing nothing of it", async () => {
    await b.createCompute('b-live', { publicIp: false });
    const owned = await b.waitCompute('b-live', 'Running', (c) => c.status?.phase === 'Running');
    const id = owned.status!.providerId!;
    const info = (await stack.instance(id))!;

    await a.createCompute('a-watch', { managementPolicy: 'ObserveOnly' }, { [externalName]: id });
    const seen = await a.waitCompute('a-watch', 'refused or bound', decided);
    assert.equal(seen.status?.providerId, undefined, `tenant A bound tenant B's live instance ${id}`);
    assert.equal(condition(seen, 'Ready')?.status, 'False');
    const told = await a.event(seen.metadata.uid!, condition(seen, 'Ready')!.reason);
    assert.equal(told.type, 'Warning');
    await a.removeAndWait('computes', 'a-watch');

    assertNeverShown(a.computes.of('a-watch'), [info.privateIp!, info.hostId], 'a-watch');
    await assertNothingRecordedFor(seen.metadata.uid!, 'instances');
    const still = (await b.waitCompute('b-live', 'still Running', (c) => c.status?.phase === 'Running'))!;
    assert.equal(still.status?.providerId, id, 'B keeps its instance');
    assert.equal((await stack.instance(id))?.state, 'running');
  });

  it('refuses a volume B orphaned when A names it, and never grows or deletes it', async () => {
    await b.createVolume('b-disk', { sizeGiB: 10, deletionPolicy: 'Orphan' });
    const owned = await b.waitVolume('b-disk', 'Available', (v) => v.status?.phase === 'Available');
    const id = owned.status!.providerId!;
    stack.leaveVolume(id);
    await b.removeAndWait('volumes', 'b-disk');
    assert.equal((await stack.volume(id))?.sizeGiB, 10, 'orphaned, still there');

    const since = Date.now();
    // Full management of a larger volume: adopted, it would be grown to 30 GiB.
    await a.createVolume('a-disk', { sizeGiB: 30 }, { [externalName]: id });
    const seen = await a.waitVolume('a-disk', 'refused or bound', decided);
    assert.equal(seen.status?.providerId, undefined, `tenant A adopted tenant B's volume ${id}`);
    const ready = condition(seen, 'Ready')!;
    assert.deepEqual([ready.status, ready.reason], ['False', 'OwnedByAnotherTenant']);
    assert.match(ready.message, new RegExp(`^volume ${id} belongs to another tenant`));
    assert.ok(!ready.message.includes(b.ns), ready.message);
    assert.equal((await a.event(seen.metadata.uid!, 'OwnedByAnotherTenant')).type, 'Warning');

    await stack.intervals(2);
    await a.removeAndWait('volumes', 'a-disk');
    const after = await stack.volume(id);
    assert.deepEqual([after?.state, after?.sizeGiB], ['available', 10], 'neither grown nor deleted');
    assert.deepEqual(changesTo([id], since), [], 'no call changed it');
    assertNeverShown(a.volumes.of('a-disk'), [b.ns, 'b-disk'], 'a-disk');
    await assertNothingRecordedFor(seen.metadata.uid!, 'volumes');
  });

  it("refuses a volume B's object still manages", async () => {
    await b.createVolume('b-disk-live', { sizeGiB: 10 });
    const owned = await b.waitVolume('b-disk-live', 'Available', (v) => v.status?.phase === 'Available');
    const id = owned.status!.providerId!;

    await a.createVolume('a-disk-live', { sizeGiB: 10 }, { [externalName]: id });
    const seen = await a.waitVolume('a-disk-live', 'refused or bound', decided);
    assert.equal(seen.status?.providerId, undefined, `tenant A bound tenant B's live volume ${id}`);
    assert.equal(condition(seen, 'Ready')?.status, 'False');
    await a.removeAndWait('volumes', 'a-disk-live');
    assertNeverShown(a.volumes.of('a-disk-live'), [], 'a-disk-live');
    await assertNothingRecordedFor(seen.metadata.uid!, 'volumes');
    assert.equal((await stack.volume(id))?.state, 'available', 'B keeps its volume');
  });
});
