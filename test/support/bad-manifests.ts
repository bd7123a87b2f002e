// Manifests OmniCloud must refuse, as data: for each, the field a refusal must name. A refusal is either the
// API server's (the CRD schema, or the admission webhooks where they run) or the controller's: the object is
// accepted and then shows Ready=False, reason InvalidSpec, naming the field. Creates, and updates: an update
// starts from a good manifest, applied and settled, and a merge patch of its spec makes it bad.
import { computeManifest, networkManifest, volumeManifest } from './infra.ts';
import { tenantManifest } from './tenants.ts';

export type BadKind = 'Tenant' | 'Network' | 'Compute' | 'Volume' | 'Invoice' | 'CostAllocation';

/** Where one manifest goes: a name of its own, and the namespace of the run's tenant for namespaced kinds. */
export interface Placement {
  name: string;
  namespace: string;
}

export interface BadManifest {
  kind: BadKind;
  /** What is wrong, in the user's words. */
  what: string;
  /** The field the refusal names, as a path such as spec.subnets[1].name. */
  field: string;
  /** The manifest; for an update, the good one it starts from. */
  manifest(at: Placement): object;
  /** For an update: the merge patch of the spec that makes the settled good object bad. */
  patch?: Record<string, unknown>;
  /**
   * A problem that is not the spec's: the controller shows it in this condition (False, with this reason) and
   * keeps reconciling the object, instead of Ready=False/InvalidSpec.
   */
  shownIn?: { condition: string; reason: string };
  /** For an update of a Tenant: how many Networks its namespace holds before the patch. */
  networksInUse?: number;
  /**
   * Refused by the CRD's CEL rules alone: the webhooks let it through, so where those rules are missing the
   * controllers are not asked to refuse it either.
   */
  crdOnly?: true;
  /**
   * Why, with no CEL rules, no controller names this yet: a known gap, listed where the run without CEL rules
   * prints it, rather than a row that could never pass.
   */
  controllerGap?: string;
}

const computeUpdateGap =
  'the Compute controller does not yet compare its spec with what it applied (image is not recorded at all)';

/** The Network every Compute of a run is placed in, in the run's tenant namespace. */
export const groundNetwork = 'net';

/** The run's tenant: room for every object of the table, in EUR. */
export const runTenantQuotas = {
  vcpu: 64,
  memory: '256Gi',
  storage: '2Ti',
  networks: 100,
  publicIPs: 10,
};

const thisMonth = (): string => new Date().toISOString().slice(0, 7);
const lastMonth = (): string => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
};

function invoiceManifest(at: Placement, spec: object): object {
  return {
    apiVersion: 'omnicloud.io/v1alpha1',
    kind: 'Invoice',
    metadata: { name: at.name, namespace: at.namespace },
    spec,
  };
}

function allocationManifest(at: Placement, spec: object = {}): object {
  return {
    apiVersion: 'omnicloud.io/v1alpha1',
    kind: 'CostAllocation',
    metadata: { name: at.name },
    spec: {
      month: '2026-06',
      currency: 'USD',
      sharedCosts: [{ name: 'control-plane', amount: '100.00' }],
      strategy: 'equal',
      ...spec,
    },
  };
}

const tenant =
  (spec: object = {}) =>
  (at: Placement) =>
    tenantManifest(at.name, spec);
const tenantQuotas = (quotas: object) => ({ quotas: { ...runTenantQuotas, ...quotas } });
const network =
  (spec: object = {}) =>
  (at: Placement) =>
    networkManifest(at.namespace, at.name, spec);
const compute =
  (spec: object = {}) =>
  (at: Placement) =>
    computeManifest(at.namespace, at.name, { network: groundNetwork, ...spec });
const volume =
  (spec: object = {}) =>
  (at: Placement) =>
    volumeManifest(at.namespace, at.name, spec);
const invoice = (spec: object) => (at: Placement) => invoiceManifest(at, spec);
const allocation =
  (spec: object = {}) =>
  (at: Placement) =>
    allocationManifest(at, spec);

const subnet = (name: string, zone: string, size: object = { prefixLength: 24 }) => ({ name, zone, ...size });
const twoSubnets = [subnet('a', 'eu-west-1a'), subnet('b', 'eu-west-1b')];
const withRule = (direction: 'ingress' | 'egress', rule: object) => ({
  securityGroups: [{ name: 'g', ingress: [], egress: [], [direction]: [rule] }],
});
const anywhere = '0.0.0.0/0';
const ownRange = (cidr: string, subnets: object[]) => ({ cidr, prefixLength: undefined, subnets });
const custom = (categories: object[]) => ({ strategy: 'custom', categories });
const tiered = (tiers: object[]) => ({ strategy: 'tiered', measure: 'vcpuHours', tiers });
const computeBase = compute({ zone: 'eu-west-1a' });

/** The kinds backed by an outside resource, each with its good manifest: they share the managed fields. */
const managed = { Compute: compute, Volume: volume, Network: network } as const;
/** The manifest with these annotations. */
const annotated =
  (manifest: (at: Placement) => object, annotations: Record<string, string>) => (at: Placement) => {
    const m = manifest(at) as { metadata: object };
    return { ...m, metadata: { ...m.metadata, annotations } };
  };
const overrides = (...list: object[]) => ({ driftPolicy: { overrides: list } });
const twice = overrides({ path: 'tags', action: 'alert' }, { path: 'tags', action: 'accept' });

/** What no managed kind may hold, each row on each kind: the fields and annotations of crds/schemas/managed.ts. */
const managedRows = (Object.keys(managed) as (keyof typeof managed)[]).flatMap((kind): BadManifest[] => {
  const good = managed[kind];
  const row = (what: string, field: string, manifest: (at: Placement) => object): BadManifest => ({
    kind,
    what,
    field,
    manifest,
  });
  return [
    row('an unknown managementPolicy', 'spec.managementPolicy', good({ managementPolicy: 'Observe' })),
    row('an unknown deletionPolicy', 'spec.deletionPolicy', good({ deletionPolicy: 'Retain' })),
    row('an unknown drift action', 'spec.driftPolicy.default', good({ driftPolicy: { default: 'ignore' } })),
    row(
      'an unknown drift action for one path',
      'spec.driftPolicy.overrides[0].action',
      good(overrides({ path: 'tags', action: 'fix' })),
    ),
    row(
      'a drift path that is no field path',
      'spec.driftPolicy.overrides[0].path',
      good(overrides({ path: 'tags[cost center]', action: 'alert' })),
    ),
    row('a drift path listed twice', 'spec.driftPolicy.overrides[1].path', good(twice)),
    row(
      'more than 32 drift overrides',
      'spec.driftPolicy.overrides',
      good(overrides(...Array.from({ length: 33 }, (_, i) => ({ path: `tags[k${i}]`, action: 'alert' })))),
    ),
    row(
      'an external name with a space, which no provider id has',
      'metadata.annotations[omnicloud.io/external-name]',
      annotated(good(), { 'omnicloud.io/external-name': 'my instance' }),
    ),
    {
      ...row(
        'a plan approval that is no plan hash',
        'metadata.annotations[omnicloud.io/approve-plan]',
        annotated(good(), { 'omnicloud.io/approve-plan': 'yes' }),
      ),
      // It approves nothing; the object is still observed and reconciled.
      shownIn: { condition: 'PlanApproval', reason: 'MalformedApproval' },
    },
    {
      ...row('a drift path listed twice, by an update', 'spec.driftPolicy.overrides[1].path', good()),
      ...(kind === 'Compute' ? { manifest: computeBase } : {}),
      patch: twice,
    },
  ];
});

/**
 * For each kind, a manifest that only a CEL rule of today's CRD refuses (the structural schema takes it): it
 * tells a CRD installed with its rules from one without them. Each is also a row of the table.
 */
export const celProbes: Record<BadKind, (at: Placement) => object> = {
  Tenant: (at) => tenantManifest(`${at.name}.corp`),
  Network: network({ subnets: [subnet('a', 'us-east-1a')] }),
  Compute: compute({ zone: 'us-east-1a' }),
  Volume: volume({ zone: 'us-east-1a' }),
  Invoice: invoice({ start: '2026-02-01T00:00:00Z', end: '2026-01-01T00:00:00Z' }),
  CostAllocation: allocation({ sharedCosts: [{ name: 'control-plane', amount: '10.005' }] }),
};

export const badManifests: BadManifest[] = [
  // Tenants
  {
    kind: 'Tenant',
    what: 'a name with a dot, which no namespace can carry',
    field: 'metadata.name',
    manifest: celProbes.Tenant,
  },
  {
    kind: 'Tenant',
    what: 'a name too long for its namespace tenant-<name>',
    field: 'metadata.name',
    manifest: (at) => tenantManifest(at.name.padEnd(57, 'x')),
  },
  {
    kind: 'Tenant',
    what: 'an admin listed twice',
    field: 'spec.admins[1]',
    manifest: tenant({
      admins: [
        { kind: 'User', name: 'alice' },
        { kind: 'User', name: 'alice' },
      ],
    }),
  },
  {
    kind: 'Tenant',
    what: 'a viewer listed twice',
    field: 'spec.viewers[1]',
    manifest: tenant({
      viewers: [
        { kind: 'Group', name: 'finance' },
        { kind: 'Group', name: 'finance' },
      ],
    }),
  },
  {
    kind: 'Tenant',
    what: 'more than 8 vCPU on the free tier',
    field: 'spec.quotas.vcpu',
    manifest: tenant({ tier: 'free', ...tenantQuotas({ vcpu: 16 }) }),
    crdOnly: true,
  },
  {
    kind: 'Tenant',
    what: 'a negative vCPU quota',
    field: 'spec.quotas.vcpu',
    manifest: tenant(tenantQuotas({ vcpu: -1 })),
  },
  {
    kind: 'Tenant',
    what: 'a currency that is not an ISO 4217 code',
    field: 'spec.billingCurrency',
    manifest: tenant({ billingCurrency: 'EURO' }),
  },
  {
    kind: 'Tenant',
    what: 'a memory quota that is not a quantity',
    field: 'spec.quotas.memory',
    manifest: tenant(tenantQuotas({ memory: '64GB' })),
  },
  {
    kind: 'Tenant',
    what: 'a networks quota lowered below the networks in use',
    field: 'spec.quotas.networks',
    manifest: tenant(tenantQuotas({ networks: 3 })),
    networksInUse: 2,
    patch: { quotas: { networks: 1 } },
  },
  {
    kind: 'Tenant',
    what: 'a viewer listed twice, by an update',
    field: 'spec.viewers[1]',
    manifest: tenant(),
    patch: {
      viewers: [
        { kind: 'User', name: 'bob' },
        { kind: 'User', name: 'bob' },
      ],
    },
  },

  // Networks
  {
    kind: 'Network',
    what: 'a subnet in a zone outside the region',
    field: 'spec.subnets[0].zone',
    manifest: celProbes.Network,
  },
  {
    kind: 'Network',
    what: 'two subnets with one name',
    field: 'spec.subnets[1].name',
    manifest: network({ subnets: [subnet('a', 'eu-west-1a'), subnet('a', 'eu-west-1b')] }),
  },
  {
    kind: 'Network',
    what: 'ports on an ICMP rule',
    field: 'spec.securityGroups[0].ingress[0]',
    manifest: network(withRule('ingress', { protocol: 'icmp', ports: '22', cidr: anywhere })),
  },
  {
    kind: 'Network',
    what: 'port 70000',
    field: 'spec.securityGroups[0].ingress[0]',
    manifest: network(withRule('ingress', { protocol: 'tcp', ports: '70000', cidr: anywhere })),
  },
  {
    kind: 'Network',
    what: 'a falling port range',
    field: 'spec.securityGroups[0].egress[0]',
    manifest: network(withRule('egress', { protocol: 'tcp', ports: '8080-8000', cidr: anywhere })),
  },
  {
    kind: 'Network',
    what: 'port 0',
    field: 'spec.securityGroups[0].ingress[0]',
    manifest: network(withRule('ingress', { protocol: 'udp', ports: '0', cidr: '10.0.0.0/8' })),
  },
  {
    kind: 'Network',
    what: 'ports on a rule for all protocols',
    field: 'spec.securityGroups[0].ingress[0]',
    manifest: network(withRule('ingress', { protocol: 'all', ports: '443', cidr: anywhere })),
  },
  {
    kind: 'Network',
    what: 'a rule CIDR with host bits set',
    field: 'spec.securityGroups[0].ingress[0]',
    manifest: network(withRule('ingress', { protocol: 'tcp', ports: '22', cidr: '10.0.0.1/8' })),
  },
  {
    kind: 'Network',
    what: 'an unknown protocol',
    field: 'spec.securityGroups[0].ingress[0].protocol',
    manifest: network(withRule('ingress', { protocol: 'sctp', ports: '22', cidr: anywhere })),
  },
  {
    kind: 'Network',
    what: 'a security group listed twice',
    field: 'spec.securityGroups[1].name',
    manifest: network({
      securityGroups: [
        { name: 'g', ingress: [], egress: [] },
        { name: 'g', ingress: [], egress: [] },
      ],
    }),
  },
  {
    kind: 'Network',
    what: 'a peering with itself',
    field: 'spec.peerings',
    manifest: (at) => networkManifest(at.namespace, at.name, { peerings: [{ network: at.name }] }),
  },
  {
    kind: 'Network',
    what: 'an explicit subnet CIDR in a network sized by prefixLength',
    field: 'spec.subnets[0].cidr',
    manifest: network({ subnets: [subnet('a', 'eu-west-1a', { cidr: '10.0.1.0/24' })] }),
  },
  {
    kind: 'Network',
    what: "a subnet outside the network's CIDR",
    field: 'spec.subnets[0].cidr',
    manifest: network(ownRange('10.250.0.0/16', [subnet('a', 'eu-west-1a', { cidr: '10.251.0.0/24' })])),
  },
  {
    kind: 'Network',
    what: 'overlapping subnets',
    field: 'spec.subnets[1].cidr',
    manifest: network(
      ownRange('10.250.0.0/16', [
        subnet('a', 'eu-west-1a', { cidr: '10.250.0.0/24' }),
        subnet('b', 'eu-west-1b', { cidr: '10.250.0.128/25' }),
      ]),
    ),
  },
  {
    kind: 'Network',
    what: 'a network CIDR with host bits set',
    field: 'spec.cidr',
    manifest: network(ownRange('10.250.1.0/16', [subnet('a', 'eu-west-1a')])),
  },
  {
    kind: 'Network',
    what: 'a subnet as large as its network',
    field: 'spec.subnets[0]',
    manifest: network({ subnets: [subnet('a', 'eu-west-1a', { prefixLength: 16 })] }),
  },
  {
    kind: 'Network',
    what: 'both a CIDR and a prefix length',
    field: 'spec.cidr',
    manifest: network({ cidr: '10.250.0.0/16', prefixLength: 16 }),
    crdOnly: true,
  },
  {
    kind: 'Network',
    what: 'a subnet with both a CIDR and a prefix length',
    field: 'spec.subnets[0]',
    manifest: network(
      ownRange('10.250.0.0/16', [subnet('a', 'eu-west-1a', { cidr: '10.250.0.0/24', prefixLength: 24 })]),
    ),
    crdOnly: true,
  },
  {
    kind: 'Network',
    what: 'a subnet smaller than /28',
    field: 'spec.subnets[0].prefixLength',
    manifest: network({ subnets: [subnet('a', 'eu-west-1a', { prefixLength: 30 })] }),
  },
  {
    kind: 'Network',
    what: 'no subnets',
    field: 'spec.subnets',
    manifest: network({ subnets: [] }),
  },
  {
    kind: 'Network',
    what: 'a new CIDR',
    field: 'spec.cidr',
    manifest: network(ownRange('10.240.0.0/16', twoSubnets)),
    patch: { cidr: '10.241.0.0/16' },
  },
  {
    kind: 'Network',
    what: 'a new prefix length',
    field: 'spec.prefixLength',
    manifest: network(),
    patch: { prefixLength: 20 },
  },
  {
    kind: 'Network',
    what: 'an explicit CIDR for a network whose range was allocated',
    field: 'spec.cidr',
    manifest: network(),
    patch: { cidr: '10.242.0.0/16', prefixLength: null },
  },
  {
    kind: 'Network',
    what: 'a subnet moved to another zone',
    field: 'spec.subnets[0]',
    manifest: network(),
    patch: { subnets: [subnet('a', 'eu-west-1c'), subnet('b', 'eu-west-1b')] },
  },
  {
    kind: 'Network',
    what: 'a subnet resized',
    field: 'spec.subnets[0]',
    manifest: network(),
    patch: { subnets: [subnet('a', 'eu-west-1a', { prefixLength: 25 }), subnet('b', 'eu-west-1b')] },
  },
  {
    kind: 'Network',
    what: 'a subnet removed',
    field: 'spec.subnets',
    manifest: network(),
    patch: { subnets: [subnet('a', 'eu-west-1a')] },
  },
  {
    kind: 'Network',
    what: 'a subnet added in a zone outside the region',
    field: 'spec.subnets[2].zone',
    manifest: network(),
    patch: { subnets: [...twoSubnets, subnet('c', 'us-east-1a')] },
  },
  {
    kind: 'Network',
    what: 'a new region',
    field: 'spec.region',
    manifest: network(),
    patch: { region: 'us-east-1', subnets: [subnet('a', 'us-east-1a'), subnet('b', 'us-east-1b')] },
  },

  // Computes
  {
    kind: 'Compute',
    what: 'a zone outside the region',
    field: 'spec.zone',
    manifest: celProbes.Compute,
  },
  {
    kind: 'Compute',
    what: 'no memory',
    field: 'spec.memory',
    manifest: compute({ size: undefined, vcpu: 1, memory: '0' }),
  },
  {
    kind: 'Compute',
    what: 'less memory than an instance boots with',
    field: 'spec.memory',
    manifest: compute({ size: undefined, vcpu: 1, memory: '128Mi' }),
  },
  {
    kind: 'Compute',
    what: 'a memory that is not a quantity',
    field: 'spec.memory',
    manifest: compute({ size: undefined, vcpu: 1, memory: '2 GB' }),
  },
  {
    kind: 'Compute',
    what: 'a size and a vCPU count',
    field: 'spec.size',
    manifest: compute({ vcpu: 2 }),
    crdOnly: true,
  },
  {
    kind: 'Compute',
    what: 'no vCPU',
    field: 'spec.vcpu',
    manifest: compute({ size: undefined, vcpu: 0, memory: '1Gi' }),
  },
  {
    kind: 'Compute',
    what: 'more GPUs than a host has',
    field: 'spec.gpu',
    manifest: compute({ gpu: 17 }),
  },
  {
    kind: 'Compute',
    what: 'an unknown size',
    field: 'spec.size',
    manifest: compute({ size: 'huge' }),
  },
  {
    kind: 'Compute',
    what: 'an unknown power state',
    field: 'spec.powerState',
    manifest: compute({ powerState: 'Paused' }),
  },
  {
    kind: 'Compute',
    what: 'a new size',
    controllerGap: computeUpdateGap,
    field: 'spec.size',
    manifest: computeBase,
    patch: { size: 'large' },
  },
  {
    kind: 'Compute',
    what: 'a new image',
    controllerGap: computeUpdateGap,
    field: 'spec.image',
    manifest: computeBase,
    patch: { image: 'ubuntu-24.04' },
  },
  {
    kind: 'Compute',
    what: 'a new zone',
    controllerGap: computeUpdateGap,
    field: 'spec.zone',
    manifest: computeBase,
    patch: { zone: 'eu-west-1b' },
  },
  {
    kind: 'Compute',
    what: 'a new subnet',
    controllerGap: computeUpdateGap,
    field: 'spec.subnet',
    manifest: computeBase,
    patch: { subnet: 'b' },
  },
  {
    kind: 'Compute',
    what: 'a public address asked for after creation',
    controllerGap: computeUpdateGap,
    field: 'spec.publicIp',
    manifest: computeBase,
    patch: { publicIp: true },
  },
  {
    kind: 'Compute',
    what: 'a new network',
    controllerGap: computeUpdateGap,
    field: 'spec.network',
    manifest: computeBase,
    patch: { network: 'elsewhere' },
  },

  // Volumes
  {
    kind: 'Volume',
    what: 'a zone outside the region',
    field: 'spec.zone',
    manifest: celProbes.Volume,
  },
  {
    kind: 'Volume',
    what: 'a region given as the zone',
    field: 'spec.zone',
    manifest: volume({ zone: 'eu-west-1' }),
  },
  { kind: 'Volume', what: 'a size of zero', field: 'spec.sizeGiB', manifest: volume({ sizeGiB: 0 }) },
  { kind: 'Volume', what: 'more than 64 TiB', field: 'spec.sizeGiB', manifest: volume({ sizeGiB: 70000 }) },
  { kind: 'Volume', what: 'an unknown type', field: 'spec.type', manifest: volume({ type: 'nvme' }) },
  {
    kind: 'Volume',
    what: 'a new zone',
    field: 'spec.zone',
    manifest: volume(),
    patch: { zone: 'eu-west-1b' },
  },
  {
    kind: 'Volume',
    what: 'a new type',
    field: 'spec.type',
    manifest: volume(),
    patch: { type: 'standard' },
  },
  {
    kind: 'Volume',
    what: 'a smaller size',
    field: 'spec.sizeGiB',
    manifest: volume(),
    patch: { sizeGiB: 5 },
  },
  {
    kind: 'Volume',
    what: 'a new region',
    field: 'spec.region',
    manifest: volume(),
    patch: { region: 'us-east-1', zone: 'us-east-1a' },
  },

  // Invoices
  {
    kind: 'Invoice',
    what: 'a period that ends before it starts',
    field: 'spec.end',
    manifest: celProbes.Invoice,
  },
  {
    kind: 'Invoice',
    what: 'a period that ends as it starts',
    field: 'spec.end',
    manifest: invoice({ start: '2026-02-01T00:00:00Z', end: '2026-02-01T00:00:00Z' }),
  },
  {
    kind: 'Invoice',
    what: 'a month that does not exist',
    field: 'spec.month',
    manifest: invoice({ month: '2026-13' }),
  },
  {
    kind: 'Invoice',
    what: 'a start without an end',
    field: 'spec.end',
    manifest: invoice({ start: '2026-02-01T00:00:00Z' }),
    crdOnly: true,
  },
  {
    kind: 'Invoice',
    what: 'a month and a period',
    field: 'spec.month',
    manifest: invoice({ month: '2026-02', start: '2026-02-01T00:00:00Z', end: '2026-03-01T00:00:00Z' }),
    crdOnly: true,
  },
  {
    kind: 'Invoice',
    what: 'a start that is not in UTC',
    field: 'spec.start',
    manifest: invoice({ start: '2026-02-01T00:00:00+01:00', end: '2026-03-01T00:00:00Z' }),
  },
  {
    kind: 'Invoice',
    what: 'an end without a time',
    field: 'spec.end',
    manifest: invoice({ start: '2026-02-01T00:00:00Z', end: '2026-03-01' }),
  },
  {
    kind: 'Invoice',
    what: 'another period for an invoice that has one',
    field: 'spec',
    manifest: (at) => invoiceManifest(at, { month: thisMonth() }),
    patch: { month: lastMonth() },
    crdOnly: true,
  },

  // Cost allocations
  {
    kind: 'CostAllocation',
    what: 'an amount finer than the cent',
    field: 'spec.sharedCosts[0].amount',
    manifest: celProbes.CostAllocation,
  },
  {
    kind: 'CostAllocation',
    what: 'amounts finer than the cent that add up to whole cents',
    field: 'spec.sharedCosts[0].amount',
    manifest: allocation({
      sharedCosts: [
        { name: 'control-plane', amount: '0.005' },
        { name: 'monitoring', amount: '0.005' },
      ],
    }),
  },
  {
    kind: 'CostAllocation',
    what: 'a fraction of a yen',
    field: 'spec.sharedCosts[0].amount',
    manifest: allocation({ currency: 'JPY', sharedCosts: [{ name: 'logging', amount: '100.5' }] }),
  },
  {
    kind: 'CostAllocation',
    what: 'a tenth of a fils',
    field: 'spec.sharedCosts[0].amount',
    manifest: allocation({ currency: 'KWD', sharedCosts: [{ name: 'support', amount: '1.0001' }] }),
  },
  {
    kind: 'CostAllocation',
    what: 'a negative amount',
    field: 'spec.sharedCosts[0].amount',
    manifest: allocation({ sharedCosts: [{ name: 'other', amount: '-5.00' }] }),
  },
  {
    kind: 'CostAllocation',
    what: 'an unknown currency',
    field: 'spec.currency',
    manifest: allocation({ currency: 'XXX' }),
  },
  {
    kind: 'CostAllocation',
    what: 'categories that all weigh nothing',
    field: 'spec.categories',
    manifest: allocation(
      custom([
        { name: 'compute', weight: '0', measure: 'vcpuHours' },
        { name: 'network', weight: '0.00', measure: 'networkHours' },
      ]),
    ),
  },
  {
    kind: 'CostAllocation',
    what: 'a category listed twice',
    field: 'spec.categories[1].name',
    manifest: allocation(
      custom([
        { name: 'compute', weight: '0.5', measure: 'vcpuHours' },
        { name: 'compute', weight: '0.5', measure: 'storageGiBHours' },
      ]),
    ),
  },
  {
    kind: 'CostAllocation',
    what: 'no categories',
    field: 'spec.categories',
    manifest: allocation(custom([])),
  },
  {
    kind: 'CostAllocation',
    what: 'the custom strategy without categories',
    field: 'spec.categories',
    manifest: allocation({ strategy: 'custom' }),
    crdOnly: true,
  },
  {
    kind: 'CostAllocation',
    what: 'tiers that fall',
    field: 'spec.tiers[1].upTo',
    manifest: allocation(
      tiered([{ upTo: '100', multiplier: '1' }, { upTo: '50', multiplier: '0.5' }, { multiplier: '0.1' }]),
    ),
  },
  {
    kind: 'CostAllocation',
    what: 'two tiers with one bound',
    field: 'spec.tiers[1].upTo',
    manifest: allocation(
      tiered([{ upTo: '100', multiplier: '1' }, { upTo: '100', multiplier: '0.5' }, { multiplier: '0.1' }]),
    ),
  },
  {
    kind: 'CostAllocation',
    what: 'a last tier with a bound',
    field: 'spec.tiers',
    manifest: allocation(
      tiered([
        { upTo: '100', multiplier: '1' },
        { upTo: '200', multiplier: '0.5' },
      ]),
    ),
  },
  {
    kind: 'CostAllocation',
    what: 'the tiered strategy without tiers',
    field: 'spec.tiers',
    manifest: allocation({ strategy: 'tiered' }),
    crdOnly: true,
  },
  {
    kind: 'CostAllocation',
    what: 'an amount finer than the cent, by an update',
    field: 'spec.sharedCosts[0].amount',
    manifest: allocation(),
    patch: { sharedCosts: [{ name: 'control-plane', amount: '1.001' }] },
  },
  {
    kind: 'CostAllocation',
    what: 'categories that all weigh nothing, by an update',
    field: 'spec.categories',
    manifest: allocation(custom([{ name: 'compute', weight: '1', measure: 'vcpuHours' }])),
    patch: { categories: [{ name: 'compute', weight: '0', measure: 'vcpuHours' }] },
  },
  {
    kind: 'CostAllocation',
    what: 'tiers that fall, by an update',
    field: 'spec.tiers[1].upTo',
    manifest: allocation(tiered([{ upTo: '100', multiplier: '1' }, { multiplier: '0.5' }])),
    patch: {
      tiers: [{ upTo: '100', multiplier: '1' }, { upTo: '10', multiplier: '0.5' }, { multiplier: '0.1' }],
    },
  },

  // Management, deletion and drift policies, and the annotations of managed kinds
  ...managedRows,
];
