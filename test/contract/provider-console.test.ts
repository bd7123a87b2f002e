// Out-of-band edits, made through the simulator's admin API as a console user makes them (test/support/
// console.ts), seen through the operator's HTTP client: each takes effect at once, with no operation and no
// idempotency token, shows in gets and listings, is refused with a clear 4xx when the cloud would refuse it,
// is journaled as out of band (kept across a crash), and is no provider call.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { HttpProvider } from '../../controllers/provider/http-client.ts';
import { allPages } from '../../controllers/provider/listing.ts';
import { ProviderNotFoundError, type InstanceInfo, type Rule } from '../../controllers/provider/types.ts';
import { CloudConsole, ConsoleError } from '../support/console.ts';
import { created, settled, startOwnSimulator, type OwnSimulator } from '../support/simulator.ts';

const zone = { region: 'eu-west-1', zone: 'eu-west-1a' };
const https: Rule = { protocol: 'tcp', ports: '443', cidr: '0.0.0.0/0', description: 'https' };

describe('contract: out-of-band (console) edits to the cloud simulator', function () {
  this.timeout(60_000);
  let sim: OwnSimulator;
  let provider: HttpProvider;
  let cloud: CloudConsole;

  const launch = (token: string, hostId = 'eu-west-1a-h000', vcpu = 2) =>
    created(
      provider,
      provider.createInstance({
        idempotencyToken: token,
        ...zone,
        hostId,
        vcpu,
        memoryMiB: 2048,
        image: 'debian-12',
        publicIp: true,
        securityGroups: [{ name: 'web', ingress: [https], egress: [] }],
      }),
    );
  const volume = (token: string) =>
    created(provider, provider.createVolume({ idempotencyToken: token, ...zone, type: 'ssd', sizeGiB: 50 }));
  const listedInstance = async (id: string): Promise<InstanceInfo | undefined> =>
    (await allPages((q) => provider.listInstances(q), zone)).find((i) => i.id === id);
  const listedVolume = async (id: string) =>
    (await allPages((q) => provider.listVolumes(q), zone)).find((v) => v.id === id);
  const operations = async () =>
    ((await (await fetch(`${sim.url}/admin/state`)).json()) as { operations: number }).operations;
  const refused = (status: number, code: string, pattern: RegExp) => (e: unknown) =>
    e instanceof ConsoleError && e.status === status && e.code === code && pattern.test(e.message);
  const faults = (body: object) =>
    fetch(`${sim.url}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  before(async () => {
    sim = await startOwnSimulator({ OMNICLOUD_SIM_HOSTS_PER_ZONE: '2' });
    provider = new HttpProvider(sim.url, { baseBackoffMs: 20 });
    cloud = new CloudConsole(sim.url);
  });
  after(async () => {
    if (sim) await sim.dispose();
  });

  let id: string;
  it('resizes an instance at once, with no operation; get and the listing show it; journaled with before and after', async () => {
    id = await launch('c-1');
    const ops = await operations();
    const { edit, instance } = await cloud.resizeInstance(id, { vcpu: 6 });
    assert.deepEqual([instance?.vcpu, instance?.memoryMiB], [6, 2048]);
    assert.deepEqual(
      [edit.action, edit.target, edit.detail],
      ['resize-instance', id, { from: { vcpu: 2, memoryMiB: 2048 }, to: { vcpu: 6, memoryMiB: 2048 } }],
    );
    assert.match(edit.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal((await provider.getInstance(id))?.vcpu, 6);
    assert.equal((await listedInstance(id))?.vcpu, 6);
    await cloud.resizeInstance(id, { memoryMiB: 4096 });
    assert.deepEqual(
      [(await provider.getInstance(id))?.vcpu, (await provider.getInstance(id))?.memoryMiB],
      [6, 4096],
    );
    assert.equal(await operations(), ops, 'no operation was started');
  });

  it('refuses (409) a console resize the host has no room for, changing nothing', async () => {
    const before = (await cloud.edits()).length;
    await assert.rejects(
      cloud.resizeInstance(id, { vcpu: 65 }),
      refused(409, 'InsufficientCapacity', /has no room for instance .* at 65 vCPU/),
    );
    await assert.rejects(
      cloud.resizeInstance(id, {}),
      refused(400, 'InvalidRequest', /give vcpu, memoryMiB or both/),
    );
    assert.equal((await provider.getInstance(id))?.vcpu, 6);
    assert.equal((await cloud.edits()).length, before, 'a refused edit is not journaled');
  });

  it('stops and starts an instance at once; get and the listing show it', async () => {
    assert.equal((await cloud.setPower(id, 'stopped')).instance?.state, 'stopped');
    assert.equal((await provider.getInstance(id))?.state, 'stopped');
    assert.equal((await listedInstance(id))?.state, 'stopped');
    const { edit } = await cloud.setPower(id, 'running');
    assert.deepEqual([edit.action, edit.detail], ['set-power', { from: 'stopped', to: 'running' }]);
    assert.equal((await provider.getInstance(id))?.state, 'running');
  });

  it('refuses (409) to power an instance whose create has not landed', async () => {
    await faults({ slowMs: 1_500 });
    let op;
    try {
      op = await provider.createInstance({
        idempotencyToken: 'c-pending',
        ...zone,
        hostId: 'eu-west-1a-h001',
        vcpu: 1,
        memoryMiB: 512,
        image: 'x',
      });
    } finally {
      await faults({ slowMs: 0 });
    }
    await assert.rejects(
      cloud.setPower(op.resourceId!, 'stopped'),
      refused(
        409,
        'InvalidState',
        /is pending; only a running or stopped instance can be started or stopped/,
      ),
    );
    await settled(provider, op.id);
  });

  it('adds a rule at once, to a group the instance has or to a new one; get and the listing show it', async () => {
    const ssh: Rule = { protocol: 'tcp', ports: '22', cidr: '203.0.113.0/24' };
    await cloud.addRule(id, { group: 'web', direction: 'ingress', rule: ssh });
    await cloud.addRule(id, {
      group: 'debug',
      direction: 'egress',
      rule: { protocol: 'all', cidr: '0.0.0.0/0' },
    });
    const expected = [
      { name: 'web', ingress: [https, ssh], egress: [] },
      { name: 'debug', ingress: [], egress: [{ protocol: 'all', cidr: '0.0.0.0/0' }] },
    ];
    assert.deepEqual((await provider.getInstance(id))?.securityGroups, expected);
    assert.deepEqual((await listedInstance(id))?.securityGroups, expected);
  });

  it('refuses (409) a rule the group has already', async () => {
    await assert.rejects(
      cloud.addRule(id, { group: 'web', direction: 'ingress', rule: { ...https, description: 'again' } }),
      refused(409, 'DuplicateRule', /group web already has the ingress rule tcp 443 0\.0\.0\.0\/0/),
    );
  });

  it('removes a rule at once, matched by protocol, ports and CIDR; the group stays', async () => {
    const { edit } = await cloud.removeRule(id, {
      group: 'web',
      direction: 'ingress',
      rule: { protocol: 'tcp', ports: '443', cidr: '0.0.0.0/0' },
    });
    assert.equal(edit.action, 'remove-rule');
    const web = (await provider.getInstance(id))?.securityGroups.find((g) => g.name === 'web');
    assert.deepEqual(web?.ingress, [{ protocol: 'tcp', ports: '22', cidr: '203.0.113.0/24' }]);
  });

  it('answers 404 for a rule or a group the instance does not have', async () => {
    await assert.rejects(
      cloud.removeRule(id, { group: 'web', direction: 'egress', rule: https }),
      refused(404, 'NotFound', /group web has no egress rule tcp 443 0\.0\.0\.0\/0/),
    );
    await assert.rejects(
      cloud.removeRule(id, { group: 'db', direction: 'ingress', rule: https }),
      refused(404, 'NotFound', /no security group db; the instance has web, debug/),
    );
  });

  it('refuses (400) a rule or group name the cloud would refuse, naming the field', async () => {
    await assert.rejects(
      cloud.addRule(id, {
        group: 'web',
        direction: 'ingress',
        rule: { protocol: 'icmp', ports: '1', cidr: '10.0.0.0/8' },
      }),
      refused(400, 'InvalidSecurityGroup', /rule\.ports: ports do not apply to protocol icmp/),
    );
    await assert.rejects(
      cloud.addRule(id, {
        group: 'web',
        direction: 'ingress',
        rule: { protocol: 'tcp', ports: '22', cidr: '10.0.0.7/8' },
      }),
      refused(400, 'InvalidSecurityGroup', /rule\.cidr: 10\.0\.0\.7\/8 has host bits set/),
    );
    await assert.rejects(
      cloud.addRule(id, { group: 'Web Servers', direction: 'ingress', rule: https }),
      refused(400, 'InvalidRequest', /group: must be a DNS label/),
    );
  });

  it('deletes a volume at once: deleted to get, gone from the listing, and no longer growable', async () => {
    const vol = await volume('c-vol-gone');
    const { edit, volume: shown } = await cloud.deleteVolume(vol);
    assert.deepEqual([edit.action, shown?.state], ['delete-volume', 'deleted']);
    assert.equal((await provider.getVolume(vol))?.state, 'deleted');
    assert.equal(await listedVolume(vol), undefined);
    await assert.rejects(provider.resizeVolume(vol, 100, 'c-vol-gone-grow'), ProviderNotFoundError);
    await assert.rejects(cloud.deleteVolume(vol), refused(404, 'NotFound', /volume .* does not exist/));
  });

  let vol: string;
  it('grows a volume at once, and refuses (400) a size that is not larger', async () => {
    vol = await volume('c-vol');
    const { edit, volume: shown } = await cloud.growVolume(vol, 80);
    assert.deepEqual([edit.action, edit.detail, shown?.sizeGiB], ['grow-volume', { from: 50, to: 80 }, 80]);
    assert.equal((await provider.getVolume(vol))?.sizeGiB, 80);
    assert.equal((await listedVolume(vol))?.sizeGiB, 80);
    await assert.rejects(
      cloud.growVolume(vol, 80),
      refused(400, 'InvalidSize', /is 80 GiB; it can only grow/),
    );
  });

  it('detaches a volume at once, and refuses (409) one attached to nothing', async () => {
    await settled(provider, (await provider.attachVolume(vol, id, 'c-vol-attach')).id);
    assert.equal((await listedVolume(vol))?.attachedTo, id);
    const { edit } = await cloud.detachVolume(vol);
    assert.deepEqual([edit.action, edit.detail], ['detach-volume', { from: id }]);
    assert.equal((await provider.getVolume(vol))?.attachedTo, undefined);
    assert.equal((await listedVolume(vol))?.attachedTo, undefined);
    await assert.rejects(
      cloud.detachVolume(vol),
      refused(409, 'NotAttached', /is not attached to any instance/),
    );
  });

  it('deletes an instance at once: terminated to get, gone from the listing, its volume, address and room let go', async () => {
    await settled(provider, (await provider.attachVolume(vol, id, 'c-vol-attach-again')).id);
    const address = (await provider.getInstance(id))?.publicIp;
    assert.ok(address);
    const { edit, instance } = await cloud.deleteInstance(id);
    assert.deepEqual(
      [edit.action, instance?.state, instance?.publicIp],
      ['delete-instance', 'terminated', undefined],
    );
    assert.equal((await provider.getInstance(id))?.state, 'terminated');
    assert.equal(await listedInstance(id), undefined);
    assert.equal((await provider.getVolume(vol))?.attachedTo, undefined);
    const next = await launch('c-2', 'eu-west-1a-h000', 64);
    assert.equal((await provider.getInstance(next))?.publicIp, address, 'the address is free again');
    await assert.rejects(provider.deleteInstance(id, 'c-1-delete'), ProviderNotFoundError);
  });

  it('fails an operation whose instance was deleted from the console before it landed; nothing comes back', async () => {
    const victim = await launch('c-victim', 'eu-west-1a-h001', 1);
    await settled(provider, (await provider.stopInstance(victim, 'c-victim-stop')).id);
    await faults({ slowMs: 1_500 });
    let start;
    try {
      start = await provider.startInstance(victim, 'c-victim-start');
    } finally {
      await faults({ slowMs: 0 });
    }
    await cloud.deleteInstance(victim);
    const ended = await settled(provider, start.id);
    assert.deepEqual([ended.status, ended.error?.code], ['failed', 'NotFound']);
    assert.equal((await provider.getInstance(victim))?.state, 'terminated');
  });

  it('answers 404 for an instance or volume it does not have, for every edit', async () => {
    const missing = refused(404, 'NotFound', /(instance i-missing|volume vol-missing) does not exist/);
    for (const edit of [
      () => cloud.resizeInstance('i-missing', { vcpu: 1 }),
      () => cloud.setPower('i-missing', 'stopped'),
      () => cloud.addRule('i-missing', { group: 'web', direction: 'ingress', rule: https }),
      () => cloud.removeRule('i-missing', { group: 'web', direction: 'ingress', rule: https }),
      () => cloud.deleteInstance('i-missing'),
      () => cloud.deleteVolume('vol-missing'),
      () => cloud.growVolume('vol-missing', 10),
      () => cloud.detachVolume('vol-missing'),
    ])
      await assert.rejects(edit(), missing);
  });

  it('counts no edit as a provider call', async () => {
    await cloud.resetCalls();
    const other = await volume('c-vol-count');
    await cloud.resetCalls();
    await cloud.growVolume(other, 60);
    await cloud.deleteVolume(other);
    assert.deepEqual((await cloud.calls()).byRoute, {});
  });

  it('journals every edit as out of band, in order, and keeps them and their effects across a crash', async () => {
    const edits = await cloud.edits();
    assert.deepEqual(
      edits.map((e) => e.seq),
      edits.map((_, i) => i + 1),
    );
    assert.deepEqual(
      edits.filter((e) => e.target === id).map((e) => e.action),
      [
        'resize-instance',
        'resize-instance',
        'set-power',
        'set-power',
        'add-rule',
        'add-rule',
        'remove-rule',
        'delete-instance',
      ],
    );
    const journaled = fs
      .readFileSync(sim.stateFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { t: string; v: unknown })
      .filter((r) => r.t === 'out-of-band');
    assert.deepEqual(
      journaled.map((r) => r.v),
      edits,
    );
    await sim.stop('SIGKILL');
    await sim.restart();
    assert.deepEqual(await cloud.edits(), edits);
    assert.equal((await provider.getInstance(id))?.state, 'terminated');
    assert.deepEqual(
      [(await provider.getVolume(vol))?.sizeGiB, (await provider.getVolume(vol))?.attachedTo],
      [80, undefined],
    );
    const next = await cloud.growVolume(vol, 90);
    assert.equal(next.edit.seq, edits.length + 1, 'numbering goes on after a restart');
  });
});
