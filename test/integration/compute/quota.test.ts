// The tenant's vCPU quota enforced by the Compute controller itself (no webhook registered here): instances
// beyond it wait in Pending with a condition that says why, and start once the quota is raised.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import type { Compute } from '../../../crds/schemas/compute.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import {
  deleteTenants,
  readyAndCurrent,
  tenantManifest,
  tenantsApi,
  waitForTenant,
} from '../../support/tenants.ts';
import {
  api,
  computeManifest,
  condition,
  inPhase,
  networkManifest,
  read,
  waitFor,
} from '../../support/infra.ts';

describe('integration: tenant quota enforced when capacity is taken', function () {
  this.timeout(180_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const tenant = uniqueName('quota');
  const ns = `tenant-${tenant}`;
  const names = ['q-1', 'q-2', 'q-3'];
  let op: OperatorProcess;

  before(async () => {
    installCrds();
    op = await startOperator(uniqueName('quota-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    await custom.createClusterCustomObject({
      ...tenantsApi,
      body: tenantManifest(tenant, {
        quotas: { vcpu: 2, memory: '64Gi', storage: '1Ti', networks: 2, publicIPs: 0 },
      }),
    });
    await waitForTenant(kc, tenant, 'Ready', readyAndCurrent);
    await custom.createNamespacedCustomObject({
      ...api,
      plural: 'networks',
      namespace: ns,
      body: networkManifest(ns, 'net'),
    });
  });
  after(async () => {
    await deleteTenants(kc, [tenant], false, 120_000);
    await op?.stop();
  });

  it('runs what fits, holds the rest back with QuotaExceeded, and starts it when the quota is raised', async () => {
    for (const n of names)
      await custom.createNamespacedCustomObject({
        ...api,
        plural: 'computes',
        namespace: ns,
        body: computeManifest(ns, n),
      });
    const settled = await eventually(
      'two running and one held back',
      async () => {
        const all = await Promise.all(names.map((n) => read<Compute>(kc, 'computes', ns, n)));
        const running = all.filter((c) => c?.status?.phase === 'Running');
        const held = all.filter((c) => condition(c, 'Scheduled')?.reason === 'QuotaExceeded');
        return running.length === 2 && held.length === 1 ? held[0]! : undefined;
      },
      90_000,
    );
    assert.equal(settled.status?.phase, 'Pending');
    assert.match(
      condition(settled, 'Scheduled')!.message,
      /has 2 of 2 vCPU in use; this instance needs 1 more\. Raise spec\.quotas\.vcpu/,
    );
    assert.equal(condition(settled, 'Ready')?.reason, 'QuotaExceeded');

    await custom.patchClusterCustomObject(
      {
        ...tenantsApi,
        name: tenant,
        body: { spec: { quotas: { vcpu: 3, memory: '64Gi', storage: '1Ti', networks: 2, publicIPs: 0 } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await waitFor<Compute>(
      kc,
      'computes',
      ns,
      settled.metadata.name,
      'Running after the quota was raised',
      inPhase('Running'),
      60_000,
    );
  });
});
