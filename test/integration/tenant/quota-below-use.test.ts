// A Tenant whose networks quota is lowered below the networks in use, with neither a webhook nor the CRD's
// rules to refuse it (a CRD installed before them): the controller shows InvalidSpec naming the field and
// keeps the quota last applied; once networks are deleted down to the new quota, it applies it by itself,
// judged by what the quota counts then rather than by the usage its refusal left in status.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { tenantKind, type Tenant } from '../../../crds/schemas/tenant.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { create, networkManifest, read, remove } from '../../support/infra.ts';
import { underOlderRules } from '../../support/older-crds.ts';
import {
  createReadyTenant,
  deleteTenants,
  readyAndCurrent,
  tenantManifest,
  tenantsApi,
  waitForTenant,
} from '../../support/tenants.ts';

describe('integration: a Tenant quota lowered below what is in use', function () {
  this.timeout(180_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const name = uniqueName('quota-low');
  const namespace = `tenant-${name}`;
  const quotas = { vcpu: 8, memory: '16Gi', storage: '100Gi', networks: 3, publicIPs: 0 };
  let op: OperatorProcess;

  const hardNetworks = async () =>
    (await core.readNamespacedResourceQuota({ name: 'omnicloud-tenant-quota', namespace })).spec?.hard?.[
      'count/networks.omnicloud.io'
    ];
  const readyOf = (t: Tenant) => t.status?.conditions?.find((c) => c.type === 'Ready');

  before(async () => {
    installCrds();
    op = await startOperator(uniqueName('quota-low-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
  });
  after(async () => {
    await deleteTenants(kc, [name], false, 120_000);
    await op?.stop();
  });

  it('shows InvalidSpec and keeps the applied quota, then applies the new one once enough networks are gone', async () => {
    await createReadyTenant(kc, name, { quotas });
    await create(kc, networkManifest(namespace, 'one'));
    await create(kc, networkManifest(namespace, 'two'));
    await waitForTenant(kc, name, 'two networks in use', (t) => t.status?.quotaUsage?.networks === 2);

    // Today's CRD refuses the change itself; the Tenant CRD without its rules takes it.
    await underOlderRules(
      tenantKind,
      () => true,
      tenantManifest(`${name}-probe.corp`),
      async () => {
        await custom.patchClusterCustomObject(
          { ...tenantsApi, name, body: { spec: { quotas: { networks: 1 } } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
      },
    );
    const refused = await waitForTenant(
      kc,
      name,
      'InvalidSpec',
      (t) => readyOf(t)?.reason === 'InvalidSpec' && readyOf(t)?.observedGeneration === t.metadata.generation,
    );
    assert.equal(readyOf(refused)?.status, 'False');
    assert.match(
      readyOf(refused)!.message,
      /spec\.quotas\.networks: 1 is below the 2 networks the tenant has/,
    );
    assert.equal(refused.status?.phase, 'Active', 'the tenant stays in place');
    assert.equal(await hardNetworks(), '3', 'the quota last applied stays');

    await remove(kc, 'networks', namespace, 'two');
    await eventually('network two gone', async () =>
      (await read(kc, 'networks', namespace, 'two')) ? undefined : true,
    );
    const applied = await waitForTenant(kc, name, 'Ready with one network in use', (t) => readyAndCurrent(t));
    assert.equal(applied.status?.quotaUsage?.networks, 1);
    assert.equal(await hardNetworks(), '1');
  });
});
