// Admission rules of Networks and Computes, and the quota check, as pure functions.
import assert from 'node:assert/strict';
import { validateCompute } from '../../../webhooks/compute.ts';
import { validateNetwork } from '../../../webhooks/network.ts';
import { quotaProblems, type QuotaLookup } from '../../../webhooks/quota.ts';

const net = (spec: object, name = 'main') => ({
  metadata: { name },
  spec: {
    region: 'eu-west-1',
    cidr: '10.1.0.0/16',
    subnets: [{ name: 'a', zone: 'eu-west-1a', cidr: '10.1.0.0/24' }],
    ...spec,
  },
});
const fields = (problems: { field: string; message: string }[]) =>
  problems.map((p) => `${p.field}: ${p.message}`);

describe('unit: Network admission', () => {
  it('accepts a well-formed network', () => assert.deepEqual(validateNetwork('CREATE', net({})), []));

  const refusals: [string, object, RegExp][] = [
    [
      'host bits in the network CIDR',
      { cidr: '10.1.0.1/16' },
      /spec\.cidr: 10\.1\.0\.1\/16 has host bits set; did you mean 10\.1\.0\.0\/16\?/,
    ],
    [
      'a subnet outside the network',
      { subnets: [{ name: 'a', zone: 'eu-west-1a', cidr: '10.2.0.0/24' }] },
      /spec\.subnets\[0\]\.cidr: 10\.2\.0\.0\/24 is not inside the network's 10\.1\.0\.0\/16/,
    ],
    [
      'overlapping subnets',
      {
        subnets: [
          { name: 'a', zone: 'eu-west-1a', cidr: '10.1.0.0/24' },
          { name: 'b', zone: 'eu-west-1b', cidr: '10.1.0.128/25' },
        ],
      },
      /spec\.subnets\[1\]\.cidr: 10\.1\.0\.128\/25 overlaps subnet 0 \(10\.1\.0\.0\/24\)/,
    ],
    [
      'a zone of another region',
      { subnets: [{ name: 'a', zone: 'us-east-1a', prefixLength: 24 }] },
      /spec\.subnets\[0\]\.zone: zone us-east-1a is not in region eu-west-1/,
    ],
    [
      'a subnet as large as the network',
      { subnets: [{ name: 'a', zone: 'eu-west-1a', prefixLength: 16 }] },
      /a \/16 subnet does not fit in a \/16 network/,
    ],
    [
      'a duplicate subnet name',
      {
        subnets: [
          { name: 'a', zone: 'eu-west-1a', prefixLength: 24 },
          { name: 'a', zone: 'eu-west-1b', prefixLength: 24 },
        ],
      },
      /spec\.subnets\[1\]\.name: a is already the name of subnet 0/,
    ],
    [
      'ports on icmp',
      { securityGroups: [{ name: 'g', ingress: [{ protocol: 'icmp', ports: '80', cidr: '0.0.0.0/0' }] }] },
      /spec\.securityGroups\[0\]\.ingress\[0\]\.ports: ports do not apply to protocol icmp/,
    ],
    [
      'a falling port range',
      {
        securityGroups: [{ name: 'g', egress: [{ protocol: 'tcp', ports: '9000-8000', cidr: '0.0.0.0/0' }] }],
      },
      /egress\[0\]\.ports: 9000-8000 is not a port/,
    ],
    [
      'port 0',
      { securityGroups: [{ name: 'g', ingress: [{ protocol: 'udp', ports: '0', cidr: '10.0.0.0/8' }] }] },
      /ingress\[0\]\.ports: 0 is not a port/,
    ],
    [
      'port 65536',
      { securityGroups: [{ name: 'g', ingress: [{ protocol: 'tcp', ports: '65536', cidr: '10.0.0.0/8' }] }] },
      /ports: 65536 is not a port/,
    ],
    [
      'a rule CIDR with host bits',
      { securityGroups: [{ name: 'g', ingress: [{ protocol: 'tcp', ports: '22', cidr: '10.0.0.1/8' }] }] },
      /ingress\[0\]\.cidr: 10\.0\.0\.1\/8 has host bits set/,
    ],
    [
      'a duplicate security group',
      { securityGroups: [{ name: 'g' }, { name: 'g' }] },
      /spec\.securityGroups\[1\]\.name: g is listed twice/,
    ],
    [
      'peering with itself',
      { peerings: [{ network: 'main' }] },
      /spec\.peerings: a network cannot peer with itself/,
    ],
    [
      'explicit subnet CIDRs without a network CIDR',
      { cidr: undefined, prefixLength: 16 },
      /explicit subnet CIDRs need an explicit spec\.cidr/,
    ],
    ['a schema violation', { region: '' }, /spec\.region/],
  ];
  for (const [what, spec, message] of refusals) {
    it(`refuses ${what}, naming the field`, () => {
      const problems = fields(validateNetwork('CREATE', net(spec)));
      assert.ok(
        problems.some((p) => message.test(p)),
        problems.join('\n'),
      );
    });
  }

  it('refuses changing region, CIDR or an existing subnet, and allows adding a subnet', () => {
    const old = net({});
    assert.match(
      fields(
        validateNetwork(
          'UPDATE',
          net({ cidr: '10.9.0.0/16', subnets: [{ name: 'a', zone: 'eu-west-1a', cidr: '10.9.0.0/24' }] }),
          old,
        ),
      ).join('\n'),
      /spec\.cidr: is immutable/,
    );
    assert.match(
      fields(
        validateNetwork(
          'UPDATE',
          net({ subnets: [{ name: 'a', zone: 'eu-west-1a', cidr: '10.1.1.0/24' }] }),
          old,
        ),
      ).join('\n'),
      /subnet a's zone, cidr and prefixLength are immutable/,
    );
    assert.match(
      fields(
        validateNetwork(
          'UPDATE',
          net({ subnets: [{ name: 'b', zone: 'eu-west-1b', cidr: '10.1.1.0/24' }] }),
          old,
        ),
      ).join('\n'),
      /subnet a cannot be removed/,
    );
    const added = net({
      subnets: [
        { name: 'a', zone: 'eu-west-1a', cidr: '10.1.0.0/24' },
        { name: 'b', zone: 'eu-west-1b', cidr: '10.1.1.0/24' },
      ],
    });
    assert.deepEqual(validateNetwork('UPDATE', added, old), []);
  });
  it('has nothing to say about deletes', () => assert.deepEqual(validateNetwork('DELETE', {}), []));
});

const vm = (spec: object) => ({
  spec: { region: 'eu-west-1', size: 'small', image: 'debian-12', network: 'main', subnet: 'a', ...spec },
});

describe('unit: Compute admission', () => {
  it('accepts a well-formed instance', () =>
    assert.deepEqual(validateCompute('CREATE', vm({ zone: 'eu-west-1a' })), []));
  it('refuses a zone outside the region', () => {
    assert.match(
      fields(validateCompute('CREATE', vm({ zone: 'us-east-1a' })))[0]!,
      /^spec\.zone: zone us-east-1a is not in region eu-west-1/,
    );
  });
  it('refuses a memory quantity it cannot use', () => {
    assert.match(
      fields(validateCompute('CREATE', vm({ size: undefined, vcpu: 2, memory: '128Mi' })))[0]!,
      /spec\.memory: 128Mi is below the 256Mi/,
    );
  });
  it('refuses changes to immutable fields and allows power and label changes', () => {
    const old = vm({});
    assert.match(
      fields(validateCompute('UPDATE', vm({ size: 'large' }), old)).join('\n'),
      /spec\.size: is immutable \(was small\)/,
    );
    assert.match(
      fields(validateCompute('UPDATE', vm({ subnet: 'b' }), old)).join('\n'),
      /spec\.subnet: is immutable/,
    );
    assert.match(
      fields(
        validateCompute('UPDATE', vm({ placement: { group: { name: 'g', strategy: 'spread' } } }), old),
      ).join('\n'),
      /spec\.placement\.group: is immutable/,
    );
    assert.match(
      fields(validateCompute('UPDATE', vm({ publicIp: true }), old)).join('\n'),
      /spec\.publicIp: is immutable \(was false\); create a new Compute instead/,
    );
    assert.deepEqual(validateCompute('UPDATE', vm({ powerState: 'Stopped' }), old), []);
    assert.deepEqual(validateCompute('UPDATE', vm({ publicIp: true }), vm({ publicIp: true })), []);
  });
});

describe('unit: tenant quota at admission', () => {
  const lookup = (
    over: Partial<{ suspended: boolean; vcpu: number; networks: number }> = {},
    computes: Record<string, object> = {},
    networks: string[] = [],
  ): QuotaLookup => ({
    tenant: async (ns) =>
      ns === 'tenant-acme'
        ? {
            name: 'acme',
            suspended: false,
            vcpu: 8,
            memoryMiB: 32768,
            networks: 2,
            storageGiB: 100,
            publicIPs: 1,
            ...over,
          }
        : undefined,
    computes: async () => new Map(Object.entries(computes)),
    networks: async () => networks,
    volumes: async () => new Map(),
  });
  const small = vm({}).spec;
  const large = vm({ size: 'large' }).spec;

  it('allows what fits, up to the quota exactly', async () => {
    assert.deepEqual(await quotaProblems(lookup({}, { a: large }), 'Compute', 'tenant-acme', 'b', large), []);
  });
  it('refuses one vCPU over, saying how much is used', async () => {
    const problems = await quotaProblems(
      lookup({}, { a: large, b: large }),
      'Compute',
      'tenant-acme',
      'c',
      small,
    );
    assert.match(fields(problems)[0]!, /1 more vCPU would exceed tenant acme's quota: 8 of 8 in use/);
  });
  it('does not count the object itself twice', async () => {
    assert.deepEqual(
      await quotaProblems(lookup({ vcpu: 4 }, { a: large }), 'Compute', 'tenant-acme', 'a', large),
      [],
    );
  });
  it('refuses memory over quota', async () => {
    const problems = await quotaProblems(
      lookup({ vcpu: 100 }, { a: vm({ size: 'xlarge' }).spec }),
      'Compute',
      'tenant-acme',
      'b',
      large,
    );
    assert.match(
      fields(problems)[0]!,
      /16384 MiB more memory would exceed tenant acme's quota: 32768 of 32768 MiB in use/,
    );
  });
  it('counts public IPs: one more than the quota is refused, instances without one do not count', async () => {
    const edge = vm({ publicIp: true }).spec;
    const problems = await quotaProblems(
      lookup({}, { a: edge, b: small }),
      'Compute',
      'tenant-acme',
      'c',
      edge,
    );
    assert.deepEqual(
      problems.map((p) => p.field),
      ['spec.publicIp'],
    );
    assert.match(
      problems[0]!.message,
      /a public IP would exceed tenant acme's quota: 1 of 1 in use; raise spec\.quotas\.publicIPs/,
    );
    assert.deepEqual(await quotaProblems(lookup({}, { a: edge }), 'Compute', 'tenant-acme', 'c', small), []);
    assert.deepEqual(await quotaProblems(lookup({}, { a: small }), 'Compute', 'tenant-acme', 'c', edge), []);
  });
  it('counts networks', async () => {
    assert.match(
      fields(await quotaProblems(lookup({}, {}, ['x', 'y']), 'Network', 'tenant-acme', 'z', {}))[0]!,
      /may have 2 network\(s\) and has 2/,
    );
    assert.deepEqual(await quotaProblems(lookup({}, {}, ['x']), 'Network', 'tenant-acme', 'z', {}), []);
  });
  it('refuses anything new in a suspended tenant', async () => {
    assert.match(
      fields(await quotaProblems(lookup({ suspended: true }), 'Network', 'tenant-acme', 'z', {}))[0]!,
      /tenant acme is suspended/,
    );
  });
  it('leaves namespaces that belong to no tenant alone', async () => {
    assert.deepEqual(await quotaProblems(lookup(), 'Compute', 'default', 'a', large), []);
  });
});
