// Kill the operator mid-reconcile (SIGKILL, no cleanup) and start it again: it converges, and nothing it
// owns exists twice.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';
import { installCrds, startOperator } from '../support/operator.ts';
import {
  readTenant,
  readyAndCurrent,
  tenantManifest,
  tenantsApi,
  waitForTenant,
  deleteTenants,
} from '../support/tenants.ts';

describe('chaos: operator killed mid-reconcile', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const names = Array.from({ length: 8 }, () => uniqueName('chaos'));

  before(() => installCrds());
  after(() => deleteTenants(kc, names, true, 120_000));

  it('converges after SIGKILL and restart, creating nothing twice', async () => {
    const first = await startOperator(uniqueName('chaos-a'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    await eventually('the first operator to be ready', async () =>
      (await first.readyz())?.startsWith('200') ? true : undefined,
    );
    for (const name of names)
      await custom.createClusterCustomObject({ ...tenantsApi, body: tenantManifest(name) });
    // Kill as soon as the first tenant shows progress, so later ones are caught part-way.
    await eventually('some progress', async () =>
      (await readTenant(kc, names[0]!))?.metadata.finalizers?.length ? true : undefined,
    );
    await first.stop('SIGKILL');
    const progressed = (await Promise.all(names.map((n) => readTenant(kc, n)))).filter(
      (t) => t && readyAndCurrent(t),
    ).length;
    console.log(`      killed the operator with ${progressed}/${names.length} tenants Ready`);

    const second = await startOperator(uniqueName('chaos-b'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    try {
      for (const name of names) await waitForTenant(kc, name, 'Ready after restart', readyAndCurrent, 90_000);
      const db = new pg.Pool({ connectionString: endpoints().postgres.tenants_db });
      try {
        for (const name of names) {
          const ns = `tenant-${name}`;
          const label = `omnicloud.io/tenant=${name}`;
          const namespaces = await core.listNamespace({ labelSelector: label });
          assert.equal(namespaces.items.length, 1, `${name}: namespaces`);
          assert.equal(
            (await core.listNamespacedResourceQuota({ namespace: ns })).items.length,
            1,
            `${name}: quotas`,
          );
          assert.equal(
            (await rbac.listNamespacedRole({ namespace: ns, labelSelector: label })).items.length,
            2,
            `${name}: roles`,
          );
          assert.equal(
            (await rbac.listNamespacedRoleBinding({ namespace: ns, labelSelector: label })).items.length,
            2,
          );
          const t = await readTenant(kc, name);
          assert.deepEqual(
            t?.metadata.finalizers,
            ['omnicloud.io/tenant-cleanup'],
            `${name}: finalizer added once`,
          );
          const { rows } = await db.query('SELECT count(*)::int AS n FROM tenants WHERE name = $1', [name]);
          assert.equal(rows[0].n, 1, `${name}: database rows`);
        }
      } finally {
        await db.end();
      }
    } finally {
      await second.stop();
    }
  });
});
