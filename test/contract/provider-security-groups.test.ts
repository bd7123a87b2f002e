// Security groups on instances, through the operator's HTTP client against a simulator process of the test's
// own: what an instance is created with, replaced whole by an asynchronous update (once per token), and
// every rule judged as the Network kind judges its rules, refused with a 400 that names the field.
import assert from 'node:assert/strict';
import { HttpProvider } from '../../controllers/provider/http-client.ts';
import {
  ProviderNotFoundError,
  ProviderRequestError,
  type CreateInstanceRequest,
  type SecurityGroup,
} from '../../controllers/provider/types.ts';
import { CloudConsole } from '../support/console.ts';
import { created, settled, startOwnSimulator, type OwnSimulator } from '../support/simulator.ts';

const web: SecurityGroup = {
  name: 'web',
  ingress: [
    { protocol: 'tcp', ports: '443', cidr: '0.0.0.0/0', description: 'https' },
    { protocol: 'tcp', ports: '8000-8080', cidr: '10.0.0.0/8' },
  ],
  egress: [{ protocol: 'all', cidr: '0.0.0.0/0' }],
};
const ssh: SecurityGroup = {
  name: 'ssh',
  ingress: [{ protocol: 'tcp', ports: '22', cidr: '192.168.0.0/16' }],
  egress: [],
};

describe('contract: provider security groups on instances', function () {
  this.timeout(60_000);
  let sim: OwnSimulator;
  let provider: HttpProvider;
  let cloud: CloudConsole;

  const request = (token: string, over: Partial<CreateInstanceRequest> = {}): CreateInstanceRequest => ({
    idempotencyToken: token,
    region: 'eu-west-1',
    zone: 'eu-west-1a',
    hostId: 'eu-west-1a-h000',
    vcpu: 2,
    memoryMiB: 2048,
    image: 'debian-12',
    ...over,
  });
  const faults = (body: object) =>
    fetch(`${sim.url}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const refusedWith =
    (pattern: RegExp, status = 400, code = 'InvalidSecurityGroup') =>
    (e: unknown) =>
      e instanceof ProviderRequestError && e.status === status && e.code === code && pattern.test(e.message);

  before(async () => {
    sim = await startOwnSimulator();
    provider = new HttpProvider(sim.url, { baseBackoffMs: 20 });
    cloud = new CloudConsole(sim.url);
  });
  after(async () => {
    if (sim) await sim.dispose();
  });

  let id: string;
  it('starts an instance with the groups it was created with; get shows them with its size and image', async () => {
    id = await created(provider, provider.createInstance(request('sg-1', { securityGroups: [web, ssh] })));
    const seen = await provider.getInstance(id);
    assert.deepEqual(
      [seen?.vcpu, seen?.memoryMiB, seen?.image, seen?.securityGroups],
      [2, 2048, 'debian-12', [web, ssh]],
    );
  });

  it('starts an instance created without groups with none', async () => {
    const bare = await created(provider, provider.createInstance(request('sg-bare')));
    assert.deepEqual((await provider.getInstance(bare))?.securityGroups, []);
  });

  it('replaces all the groups when the update succeeds, and not before', async () => {
    await faults({ slowMs: 1_500 });
    const replacement: SecurityGroup[] = [
      { ...ssh, ingress: [...ssh.ingress, { protocol: 'icmp', cidr: '10.0.0.0/8' }] },
    ];
    let op;
    try {
      op = await provider.updateInstanceSecurityGroups(id, replacement, 'sg-update-1');
    } finally {
      await faults({ slowMs: 0 });
    }
    assert.deepEqual([op.kind, op.status, op.resourceId], ['update-security-groups', 'running', id]);
    assert.deepEqual((await provider.getInstance(id))?.securityGroups, [web, ssh], 'unchanged while running');
    assert.equal((await settled(provider, op.id)).status, 'succeeded');
    assert.deepEqual((await provider.getInstance(id))?.securityGroups, replacement);
  });

  it('gives the same operation for the same token, and a second body under it changes nothing', async () => {
    const first = await provider.updateInstanceSecurityGroups(id, [web], 'sg-update-2');
    const again = await provider.updateInstanceSecurityGroups(id, [ssh], 'sg-update-2');
    assert.equal(again.id, first.id);
    await settled(provider, first.id);
    assert.deepEqual((await provider.getInstance(id))?.securityGroups, [web]);
  });

  it('removes every group when updated with none', async () => {
    const bare = await created(
      provider,
      provider.createInstance(request('sg-clear', { securityGroups: [ssh] })),
    );
    await settled(provider, (await provider.updateInstanceSecurityGroups(bare, [], 'sg-clear-update')).id);
    assert.deepEqual((await provider.getInstance(bare))?.securityGroups, []);
  });

  const group = (rule: object, name = 'bad'): SecurityGroup =>
    ({ name, ingress: [rule], egress: [] }) as SecurityGroup;
  const refusals: [string, SecurityGroup[], RegExp][] = [
    [
      'ports on icmp',
      [group({ protocol: 'icmp', ports: '8', cidr: '10.0.0.0/8' })],
      /securityGroups\[0\]\.ingress\[0\]\.ports: ports do not apply to protocol icmp/,
    ],
    [
      'a falling port range',
      [group({ protocol: 'tcp', ports: '9000-8000', cidr: '10.0.0.0/8' })],
      /ingress\[0\]\.ports: 9000-8000 is not a port \(1-65535\) or a rising range/,
    ],
    [
      'a port above 65535',
      [group({ protocol: 'udp', ports: '70000', cidr: '10.0.0.0/8' })],
      /70000 is not a port \(1-65535\)/,
    ],
    [
      'a CIDR with host bits',
      [group({ protocol: 'tcp', ports: '22', cidr: '10.0.0.1/8' })],
      /ingress\[0\]\.cidr: 10\.0\.0\.1\/8 has host bits set; did you mean 10\.0\.0\.0\/8\?/,
    ],
    [
      'something that is not a CIDR',
      [group({ protocol: 'tcp', ports: '22', cidr: 'everywhere' })],
      /ingress\[0\]\.cidr: must be an IPv4 network in CIDR notation/,
    ],
    [
      'an unknown protocol',
      [group({ protocol: 'sctp', cidr: '10.0.0.0/8' })],
      /securityGroups\[0\]\.ingress\[0\]\.protocol/,
    ],
    [
      'a group name that is not a DNS label',
      [{ ...ssh, name: 'Not_A_Label' }],
      /securityGroups\[0\]\.name: must be a DNS label/,
    ],
    [
      'two groups of one name',
      [ssh, { ...web, name: 'ssh' }],
      /securityGroups\[1\]\.name: ssh is already the name of group 0/,
    ],
  ];
  for (const [what, groups, message] of refusals)
    it(`refuses ${what} with a 400 naming the field`, async () => {
      await assert.rejects(
        provider.updateInstanceSecurityGroups(id, groups, `refused-${what}`),
        refusedWith(message),
      );
      assert.deepEqual(
        (await provider.getInstance(id))?.securityGroups,
        [web],
        'the groups stay as they were',
      );
    });

  it('refuses a bad rule on create as on update, creating nothing', async () => {
    await assert.rejects(
      provider.createInstance(
        request('sg-bad-create', {
          securityGroups: [group({ protocol: 'all', ports: '1-10', cidr: '0.0.0.0/0' })],
        }),
      ),
      refusedWith(/ports do not apply to protocol all/),
    );
    const all = (await (await fetch(`${sim.url}/admin/instances`)).json()) as { createdWith?: string }[];
    assert.equal(all.filter((i) => i.createdWith === 'sg-bad-create').length, 0);
  });

  it('answers 404 for an instance it does not have, or one that was deleted', async () => {
    await assert.rejects(
      provider.updateInstanceSecurityGroups('i-missing', [web], 'sg-missing'),
      (e: unknown) =>
        e instanceof ProviderNotFoundError && /instance i-missing does not exist/.test(e.message),
    );
    const gone = await created(provider, provider.createInstance(request('sg-gone')));
    await settled(provider, (await provider.deleteInstance(gone, 'sg-gone-delete')).id);
    await assert.rejects(
      provider.updateInstanceSecurityGroups(gone, [web], 'sg-gone-update'),
      ProviderNotFoundError,
    );
  });

  it('fails an update in a down zone, naming the zone, and leaves the groups as they were', async () => {
    await faults({ zone: 'eu-west-1a', down: true });
    try {
      const op = await provider.updateInstanceSecurityGroups(id, [ssh], 'sg-down');
      assert.deepEqual(
        [op.status, op.error],
        ['failed', { code: 'ZoneUnavailable', message: 'zone eu-west-1a is down' }],
      );
    } finally {
      await faults({ zone: 'eu-west-1a', down: false });
    }
    assert.deepEqual((await provider.getInstance(id))?.securityGroups, [web]);
  });

  it('fails an update whose instance is deleted before it lands; the instance stays deleted', async () => {
    const doomed = await created(provider, provider.createInstance(request('sg-doomed')));
    await faults({ slowMs: 1_000 });
    let op;
    try {
      op = await provider.updateInstanceSecurityGroups(doomed, [web], 'sg-doomed-update');
    } finally {
      await faults({ slowMs: 0 });
    }
    await cloud.deleteInstance(doomed);
    const ended = await settled(provider, op.id);
    assert.deepEqual([ended.status, ended.error?.code], ['failed', 'NotFound']);
    assert.match(ended.error!.message, /was deleted before the update-security-groups completed/);
    assert.equal((await provider.getInstance(doomed))?.state, 'terminated');
  });
});
