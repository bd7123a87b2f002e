// The objects a Tenant owns and the status it shows, built by pure functions.
import assert from 'node:assert/strict';
import type { Tenant } from '../../../crds/schemas/tenant.ts';
import {
  namespaceFor,
  resourceQuotaFor,
  roleBindingsFor,
  rolesFor,
  tenantNamespace,
} from '../../../controllers/tenant/children.ts';
import { activeStatus, invalidStatus, terminatingStatus } from '../../../controllers/tenant/status.ts';

function tenant(spec: Partial<Tenant['spec']> = {}, status?: Tenant['status']): Tenant {
  return {
    apiVersion: 'omnicloud.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name: 'acme', uid: '0b6e9a52-3f0e-4a43-9d55-5f0d3d1a7c11', generation: 3 },
    spec: {
      displayName: 'ACME',
      admins: [{ kind: 'User', name: 'alice' }],
      viewers: [{ kind: 'Group', name: 'finance' }],
      quotas: { vcpu: 8, memory: '16Gi', storage: '100Gi', networks: 2, publicIPs: 1 },
      billingCurrency: 'USD',
      tier: 'standard',
      suspended: false,
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

const now = new Date('2026-03-01T12:00:00Z');

describe('Tenant children', () => {
  it('owns every child through a controller owner reference', () => {
    const t = tenant();
    const children = [namespaceFor(t), resourceQuotaFor(t), ...rolesFor(t), ...roleBindingsFor(t)];
    for (const c of children) {
      assert.deepEqual(c.metadata?.ownerReferences, [
        {
          apiVersion: 'omnicloud.io/v1alpha1',
          kind: 'Tenant',
          name: 'acme',
          uid: t.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      assert.equal(c.metadata?.labels?.['omnicloud.io/tenant'], 'acme');
    }
    assert.equal(tenantNamespace('acme'), 'tenant-acme');
    for (const c of children.slice(1)) assert.equal(c.metadata?.namespace, 'tenant-acme');
  });

  it('mirrors the network quota, and zeroes provisioning while suspended', () => {
    assert.deepEqual(resourceQuotaFor(tenant()).spec?.hard, { 'count/networks.omnicloud.io': '2' });
    assert.deepEqual(resourceQuotaFor(tenant({ suspended: true })).spec?.hard, {
      'count/networks.omnicloud.io': '0',
      'count/computes.omnicloud.io': '0',
      'count/volumes.omnicloud.io': '0',
    });
  });

  it('gives admins write access to OmniCloud kinds only, and viewers read access only', () => {
    const [admin, viewer] = rolesFor(tenant());
    const adminVerbs = admin!
      .rules!.filter((r) => r.apiGroups?.includes('omnicloud.io'))
      .flatMap((r) => r.verbs);
    assert.ok(adminVerbs.includes('create') && adminVerbs.includes('delete'));
    assert.ok(
      !admin!.rules!.some(
        (r) => r.resources?.includes('secrets') || r.resources?.includes('*') || r.verbs.includes('*'),
      ),
    );
    const deletable = admin!
      .rules!.filter((r) => r.apiGroups?.includes('omnicloud.io') && r.verbs.includes('delete'))
      .flatMap((r) => r.resources ?? []);
    assert.ok(!deletable.includes('invoices'), 'invoices are not deletable');
    for (const kind of ['computes', 'configsets', 'networks', 'volumes'])
      assert.ok(deletable.includes(kind), kind);
    assert.ok(
      !admin!.rules!.some((r) => r.resources?.includes('invoices') && r.verbs.includes('deletecollection')),
    );
    const viewerVerbs = new Set(viewer!.rules!.flatMap((r) => r.verbs));
    assert.deepEqual([...viewerVerbs].sort(), ['get', 'list', 'watch']);
    const [adminBinding, viewerBinding] = roleBindingsFor(tenant());
    assert.deepEqual(adminBinding!.subjects, [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
    ]);
    assert.deepEqual(viewerBinding!.subjects, [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'finance' },
    ]);
  });
});

describe('Tenant status', () => {
  const observed = { namespace: 'tenant-acme', networksUsed: 1, mirrored: true };

  it('is Active and Ready with the generation observed', () => {
    const s = activeStatus(tenant(), observed, now);
    assert.equal(s.phase, 'Active');
    assert.equal(s.observedGeneration, 3);
    assert.deepEqual(
      s.conditions?.map((c) => `${c.type}=${c.status}`),
      ['Suspended=False', 'Mirrored=True', 'Ready=True'],
    );
    assert.deepEqual(s.quotaUsage, { networks: 1 });
  });

  it('explains suspension and a database outage', () => {
    const s = activeStatus(
      tenant({ suspended: true }),
      { ...observed, mirrored: false, mirrorError: 'connection refused' },
      now,
    );
    assert.equal(s.phase, 'Suspended');
    const synced = s.conditions?.find((c) => c.type === 'Mirrored');
    assert.equal(synced?.reason, 'DatabaseUnavailable');
    assert.match(synced?.message ?? '', /connection refused/);
  });

  it('keeps transition times across reconciles that change nothing', () => {
    const first = activeStatus(tenant(), observed, now);
    const second = activeStatus(tenant({}, first), observed, new Date('2026-03-02T00:00:00Z'));
    assert.deepEqual(second, first);
  });

  it('shows termination progress and invalid specs on Ready', () => {
    const t = terminatingStatus(tenant(), 'WaitingForResources', 'deleting 2 resource(s)', now);
    assert.equal(t.phase, 'Terminating');
    assert.equal(t.conditions?.find((c) => c.type === 'Ready')?.reason, 'WaitingForResources');
    const i = invalidStatus(tenant(), 'spec.quotas.vcpu: too big', now);
    assert.equal(i.phase, 'Failed');
    assert.equal(i.conditions?.[0]?.message, 'spec.quotas.vcpu: too big');
  });
});
