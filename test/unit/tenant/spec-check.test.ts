// The Tenant controller's spec check and how an invalid spec reads on a tenant already in place.
import assert from 'node:assert/strict';
import type { Tenant } from '../../../crds/schemas/tenant.ts';
import { tenantSpecProblems } from '../../../controllers/tenant/spec-check.ts';
import { invalidStatus } from '../../../controllers/tenant/status.ts';

function tenant(name: string, spec: Partial<Tenant['spec']> = {}, status?: Tenant['status']): Tenant {
  return {
    apiVersion: 'omnicloud.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name, uid: '0b6e9a52-3f0e-4a43-9d55-5f0d3d1a7c11', generation: 3 },
    spec: {
      displayName: 'ACME',
      admins: [{ kind: 'User', name: 'alice' }],
      viewers: [],
      quotas: { vcpu: 8, memory: '16Gi', storage: '100Gi', networks: 2, publicIPs: 1 },
      billingCurrency: 'USD',
      tier: 'standard',
      suspended: false,
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}
const said = (problems: { field: string; message: string }[]) =>
  problems.map((p) => `${p.field}: ${p.message}`).join('\n');
const now = new Date('2026-03-01T12:00:00Z');

describe('unit: Tenant spec check', () => {
  it('accepts a well-formed tenant', () => assert.deepEqual(tenantSpecProblems(tenant('acme')), []));

  it('names a name no namespace can be made from, and a subject listed twice', () => {
    assert.match(said(tenantSpecProblems(tenant('acme.corp'))), /^metadata\.name: must be lower-case/);
    assert.match(said(tenantSpecProblems(tenant('a'.repeat(57)))), /^metadata\.name: /);
    const twice = tenant('acme', {
      admins: [
        { kind: 'User', name: 'alice' },
        { kind: 'User', name: 'alice' },
      ],
    });
    assert.match(said(tenantSpecProblems(twice)), /^spec\.admins\[1\]: User alice is listed twice/);
  });

  it('compares the networks quota with the usage it last recorded', () => {
    const quotas = (networks: number) => ({
      vcpu: 8,
      memory: '16Gi',
      storage: '100Gi',
      networks,
      publicIPs: 1,
    });
    const using3 = (networks: number) =>
      tenant('acme', { quotas: quotas(networks) }, { phase: 'Active', quotaUsage: { networks: 3 } });
    assert.match(
      said(tenantSpecProblems(using3(2))),
      /^spec\.quotas\.networks: 2 is below the 3 networks the tenant has/,
    );
    assert.deepEqual(tenantSpecProblems(using3(3)), []);
    assert.deepEqual(tenantSpecProblems(using3(2), 2), [], 'counted since: two in use now');
    assert.deepEqual(
      tenantSpecProblems(tenant('acme', { quotas: quotas(0) })),
      [],
      'nothing recorded in use',
    );
  });

  it('leaves a tenant in place Active while Ready shows the problem; one never provisioned is Failed', () => {
    const active = tenant('acme', {}, { phase: 'Active', namespace: 'tenant-acme' });
    const shown = invalidStatus(active, 'spec.quotas.networks: 1 is below the 2 networks', now);
    assert.equal(shown.phase, 'Active');
    assert.equal(shown.namespace, 'tenant-acme');
    assert.equal(shown.conditions?.find((c) => c.type === 'Ready')?.reason, 'InvalidSpec');
    assert.equal(invalidStatus(tenant('acme'), 'metadata.name: x', now).phase, 'Failed');
  });
});
