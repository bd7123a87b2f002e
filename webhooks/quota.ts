// The tenant's quota, checked when a Network or Compute is created: vCPU and memory summed over the tenant's
// instances, networks counted, and nothing new in a suspended tenant. Reads go through a lookup so that the
// rule stays a pure function of what it is given.
import * as k8s from '@kubernetes/client-node';
import { computeSpecSchema } from '../crds/schemas/compute.ts';
import type { Tenant } from '../crds/schemas/tenant.ts';
import { demandOf, memoryMiB } from '../controllers/compute/resources.ts';
import { tenantOfNamespace } from '../controllers/tenant/children.ts';
import type { Problem } from './review.ts';

export interface TenantQuota {
  name: string;
  suspended: boolean;
  vcpu: number;
  memoryMiB: number;
  networks: number;
}

export interface QuotaLookup {
  tenant(namespace: string): Promise<TenantQuota | undefined>;
  /** The specs of the Computes in the namespace, by name. */
  computes(namespace: string): Promise<Map<string, unknown>>;
  networks(namespace: string): Promise<string[]>;
}

export async function quotaProblems(
  lookup: QuotaLookup,
  kind: string,
  namespace: string,
  name: string,
  spec: unknown,
): Promise<Problem[]> {
  const tenant = await lookup.tenant(namespace);
  if (!tenant) return [];
  if (tenant.suspended) {
    return [
      {
        field: 'metadata.namespace',
        message: `tenant ${tenant.name} is suspended: no new ${kind}s until spec.suspended is false`,
      },
    ];
  }
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
  for (const [other, otherSpec] of await lookup.computes(namespace)) {
    if (other === name) continue;
    const p = computeSpecSchema.safeParse(otherSpec);
    if (!p.success) continue;
    const d = demandOf(p.data);
    vcpu += d.vcpu;
    mem += d.memoryMiB;
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
  return problems;
}

/** The lookup against the API server, for the operator's webhook server. */
export function apiQuotaLookup(kc: k8s.KubeConfig): QuotaLookup {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const group = { group: 'omnicloud.io', version: 'v1alpha1' };
  const list = async (plural: string, namespace: string) =>
    (
      (await custom.listNamespacedCustomObject({ ...group, plural, namespace })) as {
        items: { metadata: { name: string }; spec?: unknown }[];
      }
    ).items;
  return {
    async tenant(namespace) {
      if (!namespace.startsWith('tenant-')) return undefined;
      try {
        const t = (await custom.getClusterCustomObject({
          ...group,
          plural: 'tenants',
          name: tenantOfNamespace(namespace),
        })) as Tenant;
        return {
          name: t.metadata.name,
          suspended: t.spec.suspended ?? false,
          vcpu: t.spec.quotas.vcpu,
          memoryMiB: memoryMiB(t.spec.quotas.memory),
          networks: t.spec.quotas.networks,
        };
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
  };
}
