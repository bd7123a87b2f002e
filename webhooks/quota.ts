// The tenant's quota, checked when a Network, Compute or Volume is created and when a Volume grows: vCPU and
// memory summed over the tenant's instances, public IPs counted, networks counted, storage summed over its volumes, and nothing
// new in a suspended tenant. Reads go through a lookup so that the rule stays a pure function of what it is
// given.
import * as k8s from '@kubernetes/client-node';
import { HttpProvider } from '../controllers/provider/http-client.ts';
import { cachedRegions } from './regions.ts';
import { computeSpecSchema } from '../crds/schemas/compute.ts';
import type { Tenant } from '../crds/schemas/tenant.ts';
import { volumeSpecSchema } from '../crds/schemas/volume.ts';
import { demandOf, memoryMiB, wholeGiB } from '../controllers/compute/resources.ts';
import { tenantOfNamespace } from '../controllers/tenant/children.ts';
import type { Problem } from './review.ts';

export interface TenantQuota {
  name: string;
  suspended: boolean;
  vcpu: number;
  memoryMiB: number;
  networks: number;
  /** spec.quotas.storage in GiB, as storageGiB gives it. */
  storageGiB: number;
  /** How many instances may hold a public address at once. */
  publicIPs: number;
}

export interface QuotaLookup {
  tenant(namespace: string): Promise<TenantQuota | undefined>;
  /** The regions the cloud provider offers; undefined when it cannot say (the check is then skipped). */
  regions?(): Promise<string[] | undefined>;
  /** The specs of the Computes in the namespace, by name. */
  computes(namespace: string): Promise<Map<string, unknown>>;
  networks(namespace: string): Promise<string[]>;
  /** The specs of the Volumes in the namespace, by name. */
  volumes(namespace: string): Promise<Map<string, unknown>>;
}

/**
 * A storage quantity (such as 500Gi or 2Ti) in whole GiB, rounded down: a tenant never gets more storage than
 * its quota says. Throws on a quantity that is not one.
 */
export function storageGiB(quantity: string): number {
  try {
    // Straight from the bytes: going through MiB rounded up could lift a quota just short of a GiB to one.
    return wholeGiB(quantity);
  } catch {
    throw new Error(`${quantity} is not a storage quantity such as 500Gi or 2Ti`);
  }
}

export async function quotaProblems(
  lookup: QuotaLookup,
  kind: string,
  namespace: string,
  name: string,
  spec: unknown,
  /** The spec before an update; only a Volume's updates are checked, and only when it grows. */
  oldSpec?: unknown,
): Promise<Problem[]> {
  let resize: { from: number; to: number } | undefined;
  if (oldSpec !== undefined) {
    if (kind !== 'Volume') return [];
    const before = volumeSpecSchema.safeParse(oldSpec);
    const after = volumeSpecSchema.safeParse(spec);
    // An update that does not grow the volume takes nothing more: labels, finalizers and the like pass.
    if (!before.success || !after.success || after.data.sizeGiB <= before.data.sizeGiB) return [];
    resize = { from: before.data.sizeGiB, to: after.data.sizeGiB };
  }
  const tenant = await lookup.tenant(namespace);
  if (!tenant) return [];
  if (tenant.suspended) {
    return [
      {
        field: resize ? 'spec.sizeGiB' : 'metadata.namespace',
        message: resize
          ? `tenant ${tenant.name} is suspended: no Volume can grow until spec.suspended is false`
          : `tenant ${tenant.name} is suspended: no new ${kind}s until spec.suspended is false`,
      },
    ];
  }
  if (kind === 'Volume') return storageProblems(lookup, tenant, namespace, name, spec, resize);
  if (kind === 'Network') {
    const others = (await lookup.networks(namespace)).filter((n) => n !== name);
    if (others.length + 1 > tenant.networks) {
      return [
        {
          field: 'metadata.name',
          message: `tenant ${tenant.name} may have ${tenant.networks} network(s) and has ${others.length}; raise spec.quotas.networks on the Tenant or delete a network`,
        },
      ];
    }
    return [];
  }
  const parsed = computeSpecSchema.safeParse(spec);
  if (!parsed.success) return [];
  const want = demandOf(parsed.data);
  let vcpu = 0;
  let mem = 0;
  let publicIPs = 0;
  for (const [other, otherSpec] of await lookup.computes(namespace)) {
    if (other === name) continue;
    const p = computeSpecSchema.safeParse(otherSpec);
    if (!p.success) continue;
    const d = demandOf(p.data);
    vcpu += d.vcpu;
    mem += d.memoryMiB;
    if (p.data.publicIp) publicIPs += 1;
  }
  const problems: Problem[] = [];
  if (vcpu + want.vcpu > tenant.vcpu) {
    problems.push({
      field: 'spec',
      message: `${want.vcpu} more vCPU would exceed tenant ${tenant.name}'s quota: ${vcpu} of ${tenant.vcpu} in use; raise spec.quotas.vcpu on the Tenant or choose a smaller size`,
    });
  }
  if (mem + want.memoryMiB > tenant.memoryMiB) {
    problems.push({
      field: 'spec',
      message: `${want.memoryMiB} MiB more memory would exceed tenant ${tenant.name}'s quota: ${mem} of ${tenant.memoryMiB} MiB in use`,
    });
  }
  if (parsed.data.publicIp && publicIPs + 1 > tenant.publicIPs) {
    problems.push({
      field: 'spec.publicIp',
      message: `a public IP would exceed tenant ${tenant.name}'s quota: ${publicIPs} of ${tenant.publicIPs} in use; raise spec.quotas.publicIPs on the Tenant or set publicIp: false`,
    });
  }
  return problems;
}

async function storageProblems(
  lookup: QuotaLookup,
  tenant: TenantQuota,
  namespace: string,
  name: string,
  spec: unknown,
  resize: { from: number; to: number } | undefined,
): Promise<Problem[]> {
  const parsed = volumeSpecSchema.safeParse(spec);
  if (!parsed.success) return [];
  const want = parsed.data.sizeGiB;
  let others = 0;
  for (const [other, otherSpec] of await lookup.volumes(namespace)) {
    if (other === name) continue;
    const p = volumeSpecSchema.safeParse(otherSpec);
    if (p.success) others += p.data.sizeGiB;
  }
  if (others + want <= tenant.storageGiB) return [];
  const advice = 'raise spec.quotas.storage on the Tenant, choose a smaller size or delete a volume';
  return [
    {
      field: 'spec.sizeGiB',
      message: resize
        ? `growing from ${resize.from} to ${resize.to} GiB would exceed tenant ${tenant.name}'s storage quota: ${others + resize.from} of ${tenant.storageGiB} GiB in use; ${advice}`
        : `${want} GiB more storage would exceed tenant ${tenant.name}'s storage quota: ${others} of ${tenant.storageGiB} GiB in use; ${advice}`,
    },
  ];
}

/** A Tenant's quotas in the units the checks count in. */
export function tenantQuotaOf(t: Tenant): TenantQuota {
  return {
    name: t.metadata.name,
    suspended: t.spec.suspended ?? false,
    vcpu: t.spec.quotas.vcpu,
    memoryMiB: memoryMiB(t.spec.quotas.memory),
    networks: t.spec.quotas.networks,
    storageGiB: storageGiB(t.spec.quotas.storage),
    publicIPs: t.spec.quotas.publicIPs,
  };
}

/** The tenant of a namespace from a cache of Tenants: what controllers read, with no API call. */
export function cachedTenantQuota(tenants: { get(name: string): Tenant | undefined }) {
  return (namespace: string): TenantQuota | undefined => {
    if (!namespace.startsWith('tenant-')) return undefined;
    const t = tenants.get(tenantOfNamespace(namespace));
    return t && tenantQuotaOf(t);
  };
}

/** The lookup against the API server, for the operator's webhook server: admission reads the latest. */
export function apiQuotaLookup(kc: k8s.KubeConfig, providerUrl?: string): QuotaLookup {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  // One quick attempt: admission has a few seconds in all, and an unanswered provider skips the check.
  const provider = providerUrl
    ? new HttpProvider(providerUrl, { timeoutMs: 1_500, maxAttempts: 1 })
    : undefined;
  const regions =
    provider && cachedRegions(async () => (await provider.describeRegions()).map((r) => r.name));
  const group = { group: 'omnicloud.io', version: 'v1alpha1' };
  const list = async (plural: string, namespace: string) =>
    (
      (await custom.listNamespacedCustomObject({ ...group, plural, namespace })) as {
        items: { metadata: { name: string }; spec?: unknown }[];
      }
    ).items;
  return {
    regions,
    async tenant(namespace) {
      if (!namespace.startsWith('tenant-')) return undefined;
      try {
        const t = (await custom.getClusterCustomObject({
          ...group,
          plural: 'tenants',
          name: tenantOfNamespace(namespace),
        })) as Tenant;
        return tenantQuotaOf(t);
      } catch (err) {
        if ((err as { code?: number }).code === 404) return undefined;
        throw err;
      }
    },
    async computes(namespace) {
      return new Map((await list('computes', namespace)).map((c) => [c.metadata.name, c.spec]));
    },
    async networks(namespace) {
      return (await list('networks', namespace)).map((n) => n.metadata.name);
    },
    async volumes(namespace) {
      return new Map((await list('volumes', namespace)).map((v) => [v.metadata.name, v.spec]));
    },
  };
}
