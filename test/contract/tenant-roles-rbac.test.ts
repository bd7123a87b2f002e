// The Roles the operator writes for tenants against the chart's ClusterRole. The API server refuses a Role
// that grants anything its writer does not hold (RBAC escalation prevention), so every rule the Tenant
// controller builds must be covered, verb by verb, by what the chart grants the operator.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { rolesFor } from '../../controllers/tenant/children.ts';
import type { Tenant } from '../../crds/schemas/tenant.ts';
import { helmBinary } from '../../hack/stack/components/tools.ts';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}

const tenant: Tenant = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Tenant',
  metadata: { name: 'acme', uid: '0b6e9a52-3f0e-4a43-9d55-5f0d3d1a7c11' },
  spec: {
    displayName: 'ACME',
    admins: [{ kind: 'User', name: 'alice' }],
    viewers: [{ kind: 'Group', name: 'finance' }],
    quotas: { vcpu: 8, memory: '16Gi', storage: '100Gi', networks: 2, publicIPs: 1 },
    billingCurrency: 'USD',
    tier: 'standard',
    suspended: false,
  },
};

function grants(rules: Rule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules)
    for (const g of r.apiGroups ?? [''])
      for (const res of r.resources ?? []) for (const v of r.verbs) out.add(`${g}|${res}|${v}`);
  return out;
}

describe('contract: tenant Roles never escalate beyond the chart ClusterRole', () => {
  it('every (group, resource, verb) a tenant Role grants is held by the operator', () => {
    const rendered = execFileSync(helmBinary, ['template', 'oc', 'charts/omnicloud']).toString();
    const clusterRole = parseAllDocuments(rendered)
      .map((d) => d.toJSON() as { kind: string; rules?: Rule[] } | null)
      .find((d) => d?.kind === 'ClusterRole')!;
    const held = grants(clusterRole.rules ?? []);
    for (const role of rolesFor(tenant)) {
      const missing = [...grants((role.rules ?? []) as Rule[])].filter((g) => !held.has(g));
      assert.deepEqual(missing, [], `Role ${role.metadata?.name} grants what the operator does not hold`);
    }
  });
});
