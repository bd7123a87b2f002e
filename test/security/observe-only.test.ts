// managementPolicy ObserveOnly asks the provider for nothing that changes anything, against the real stack:
// an adopted instance stopped, resized and opened to the world at the console, with a spec that asks for
// something else (Running, the Network's group) and an approve-plan annotation naming a hash; an adopted
// volume smaller than its spec, grown and then deleted at the console. Through five listings of each zone the
// simulator's request log shows no call but reads of either resource (other tests on the shared stack do not
// touch them), the drift is reported (alert) with no plan, and deleting the objects leaves both resources
// where they are.
import assert from 'node:assert/strict';
import { condition } from '../support/infra.ts';
import { ManagedSecurityStack, changesTo, type ComputeObj, type VolumeObj } from './managed-stack.ts';

const externalName = 'omnicloud.io/external-name';
const approvePlan = 'omnicloud.io/approve-plan';
const worldSsh = { protocol: 'tcp' as const, ports: '22', cidr: '0.0.0.0/0' };

const records = (o: ComputeObj | VolumeObj) =>
  (o.status?.drift?.records ?? []).map((r) => `${r.path}:${r.action}`).sort();

describe('security: ObserveOnly never changes the outside resource', function () {
  this.timeout(300_000);
  const stack = new ManagedSecurityStack(['observe']);
  const [t] = stack.tenants as [ManagedSecurityStack['tenants'][number]];

  before(async () => {
    await stack.start();
  });
  after(async () => {
    await stack.close();
  });

  it('makes no changing call through five observe intervals of drift, and leaves both resources when deleted', async () => {
    const instance = await stack.outsideInstance();
    const volume = await stack.outsideVolume(10);
    await t.createCompute(
      'watched',
      { managementPolicy: 'ObserveOnly', securityGroups: ['web'] },
      { [externalName]: instance.id, [approvePlan]: 'deadbeefdeadbeef' },
    );
    await t.createVolume(
      'watched-disk',
      { managementPolicy: 'ObserveOnly', sizeGiB: 50 },
      { [externalName]: volume.id },
    );
    await t.waitCompute('watched', 'bound', (c) => c.status?.providerId === instance.id);
    await t.waitVolume('watched-disk', 'bound', (v) => v.status?.providerId === volume.id);
    const since = Date.now();

    await stack.console.setPower(instance.id, 'stopped');
    await stack.console.resizeInstance(instance.id, { vcpu: 2, memoryMiB: 4096 });
    await stack.console.addRule(instance.id, { group: 'web', direction: 'ingress', rule: worldSsh });
    await stack.console.growVolume(volume.id, 20);
    const shown = await t.waitCompute('watched', 'the console edits reported', (c) =>
      ['powerState', 'vcpu', 'memoryMiB'].every((p) => records(c).includes(`${p}:alert`)),
    );
    assert.ok(
      records(shown).every((r) => r.endsWith(':alert')),
      records(shown).join(', '),
    );
    assert.equal(shown.status?.drift?.plan, undefined, 'nothing is planned');
    assert.ok((shown.status?.drift?.counts.critical ?? 0) + (shown.status?.drift?.counts.security ?? 0) > 0);
    const disk = await t.waitVolume('watched-disk', 'the size reported', (v) =>
      records(v).includes('sizeGiB:alert'),
    );
    assert.equal(disk.status?.drift?.plan, undefined);

    await Promise.all([stack.listings(5), stack.listings(5, 'GET /v1/volumes')]);
    await stack.console.deleteVolume(volume.id);
    const missing = await t.waitVolume(
      'watched-disk',
      'the deletion reported',
      (v) => condition(v, 'Ready')?.reason === 'ResourceMissing',
      60_000,
    );
    assert.deepEqual(records(missing), ['$:alert'], 'reported, never created again');
    await stack.intervals(3);

    const changed = changesTo([instance.id, volume.id], since);
    assert.deepEqual(changed, [], 'ObserveOnly asked the provider to change something');
    const seen = await stack.instance(instance.id);
    assert.deepEqual(
      [seen?.state, seen?.vcpu, seen?.memoryMiB],
      ['stopped', 2, 4096],
      'as the console left it',
    );
    assert.ok(seen?.securityGroups.some((g) => g.ingress.some((r) => r.cidr === '0.0.0.0/0')));
    for (const uid of [shown.metadata.uid!, disk.metadata.uid!]) {
      const { rows } = await stack.infra.query<{ event: string }>(
        'SELECT DISTINCT event FROM drift_history WHERE uid = $1',
        [uid],
      );
      assert.ok(!rows.some((r) => r.event === 'remediating'), `remediated: ${rows.map((r) => r.event)}`);
    }

    const deleting = Date.now();
    await t.removeAndWait('computes', 'watched');
    await t.removeAndWait('volumes', 'watched-disk');
    assert.deepEqual(
      changesTo([instance.id, volume.id], deleting),
      [],
      'deleting the objects changed something',
    );
    assert.equal((await stack.instance(instance.id))?.state, 'stopped', 'the instance stays');
  });
});
