// The Tenant controller against the real API server and tenants_db, with the operator running as a process.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { adminConfig, eventually, httpStatus, uniqueName, userConfig } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import {
  readTenant,
  readyAndCurrent,
  tenantManifest,
  tenantsApi,
  waitForTenant,
} from '../../support/tenants.ts';

describe('Tenant controller', function () {
  this.timeout(180_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const db = new pg.Pool({ connectionString: endpoints().postgres.tenants_db });
  let operator: OperatorProcess;
  const created: string[] = [];

  before(async () => {
    installCrds();
    operator = await startOperator(uniqueName('it-tenant-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
  });
  after(async () => {
    for (const name of created)
      await custom.deleteClusterCustomObject({ ...tenantsApi, name }).catch(() => undefined);
    for (const name of created) {
      await eventually(
        `tenant ${name} to be gone`,
        async () => ((await readTenant(kc, name)) ? undefined : true),
        90_000,
      ).catch(() => undefined);
    }
    await operator.stop();
    await db.end();
  });

  async function createTenant(name: string, spec: object = {}): Promise<void> {
    created.push(name);
    await custom.createClusterCustomObject({ ...tenantsApi, body: tenantManifest(name, spec) });
  }

  it('creates the namespace, quota, Roles and RoleBindings, mirrors the row, and reports Ready', async () => {
    const name = uniqueName('acme');
    const admin = uniqueName('alice');
    await createTenant(name, {
      admins: [{ kind: 'User', name: admin }],
      viewers: [{ kind: 'Group', name: 'auditors' }],
    });
    const tenant = await waitForTenant(kc, name, 'Ready', readyAndCurrent);
    assert.equal(tenant.status?.phase, 'Active');
    assert.equal(tenant.status?.namespace, `tenant-${name}`);
    assert.ok(tenant.metadata.finalizers?.includes('omnicloud.io/tenant-cleanup'));

    const ns = await core.readNamespace({ name: `tenant-${name}` });
    assert.equal(ns.metadata?.ownerReferences?.[0]?.uid, tenant.metadata.uid);
    const quota = await core.readNamespacedResourceQuota({
      namespace: `tenant-${name}`,
      name: 'omnicloud-tenant-quota',
    });
    assert.equal(quota.spec?.hard?.['count/networks.omnicloud.io'], '3');
    const binding = await rbac.readNamespacedRoleBinding({
      namespace: `tenant-${name}`,
      name: 'omnicloud-tenant-admin',
    });
    assert.deepEqual(
      binding.subjects?.map((s) => `${s.kind}:${s.name}`),
      [`User:${admin}`],
    );
    const viewers = await rbac.readNamespacedRoleBinding({
      namespace: `tenant-${name}`,
      name: 'omnicloud-tenant-viewer',
    });
    assert.deepEqual(
      viewers.subjects?.map((s) => `${s.kind}:${s.name}`),
      ['Group:auditors'],
    );

    const { rows } = await db.query(
      'SELECT uid, billing_currency, namespace, deleted_at FROM tenants WHERE name = $1',
      [name],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0].uid, tenant.metadata.uid);
    assert.equal(rows[0].billing_currency, 'EUR');
    assert.equal(rows[0].deleted_at, null);
  });

  it('counts reconciles in its metrics and records an Event for the tenant', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${operator.port}/metrics`)).text();
    const success = /omnicloud_reconcile_total\{controller="tenant",result="success"\} (\d+)/.exec(metrics);
    assert.ok(success && Number(success[1]) > 0, 'successful tenant reconciles are counted');
    assert.match(metrics, /omnicloud_reconcile_duration_seconds_bucket\{le="[^"]+",controller="tenant"\}/);
    assert.match(metrics, /omnicloud_workqueue_depth\{controller="tenant"\}/);
    const name = created[0]!;
    const events = kc.makeApiClient(k8s.EventsV1Api);
    const list = await eventually('an Event about the tenant', async () => {
      const l = await events.listNamespacedEvent({
        namespace: 'default',
        fieldSelector: `regarding.name=${name}`,
      });
      return l.items.length > 0 ? l : undefined;
    });
    assert.ok(
      list.items.some((e) => e.reason === 'Provisioned' && e.reportingController === 'omnicloud.io/tenant'),
    );
  });

  it("lets a tenant's admin work in its own namespace and refuses it in another tenant's", async () => {
    const [a, b] = [uniqueName('ta'), uniqueName('tb')];
    const alice = uniqueName('alice');
    await createTenant(a, { admins: [{ kind: 'User', name: alice }] });
    await createTenant(b, { admins: [{ kind: 'User', name: uniqueName('bob') }] });
    await waitForTenant(kc, a, 'Ready', readyAndCurrent);
    await waitForTenant(kc, b, 'Ready', readyAndCurrent);

    const asAlice = await userConfig(alice);
    const aliceCore = asAlice.makeApiClient(k8s.CoreV1Api);
    const quotas = await aliceCore.listNamespacedResourceQuota({ namespace: `tenant-${a}` });
    assert.equal(quotas.items.length, 1);
    await assert.rejects(
      aliceCore.listNamespacedResourceQuota({ namespace: `tenant-${b}` }),
      (e) => httpStatus(e) === 403,
    );
    await assert.rejects(
      aliceCore.listNamespacedSecret({ namespace: `tenant-${a}` }),
      (e) => httpStatus(e) === 403,
    );

    const review = asAlice.makeApiClient(k8s.AuthorizationV1Api);
    const can = async (namespace: string, verb: string): Promise<boolean> =>
      Boolean(
        (
          await review.createSelfSubjectAccessReview({
            body: {
              spec: { resourceAttributes: { group: 'omnicloud.io', resource: 'networks', verb, namespace } },
            },
          })
        ).status?.allowed,
      );
    assert.equal(await can(`tenant-${a}`, 'create'), true);
    assert.equal(await can(`tenant-${a}`, 'delete'), true);
    assert.equal(await can(`tenant-${b}`, 'create'), false);
    assert.equal(await can(`tenant-${b}`, 'list'), false);
  });

  it('suspends a tenant: the condition says why and the server refuses new provisioning', async () => {
    const name = uniqueName('susp');
    await createTenant(name);
    await waitForTenant(kc, name, 'Ready', readyAndCurrent);
    await custom.patchClusterCustomObject(
      { ...tenantsApi, name, body: { spec: { suspended: true } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const t = await waitForTenant(
      kc,
      name,
      'Suspended',
      (x) => readyAndCurrent(x) && x.status?.phase === 'Suspended',
    );
    const cond = t.status?.conditions?.find((c) => c.type === 'Suspended');
    assert.equal(cond?.status, 'True');
    assert.equal(cond?.reason, 'SuspendedBySpec');
    assert.match(cond?.message ?? '', /new networks and instances are refused/);
    const quota = await core.readNamespacedResourceQuota({
      namespace: `tenant-${name}`,
      name: 'omnicloud-tenant-quota',
    });
    assert.equal(quota.spec?.hard?.['count/computes.omnicloud.io'], '0');
    assert.equal(quota.spec?.hard?.['count/volumes.omnicloud.io'], '0');
    assert.equal(quota.spec?.hard?.['count/networks.omnicloud.io'], '0');
  });

  it('deletes in order: namespace gone, row marked deleted, tenant gone', async () => {
    const name = uniqueName('gone');
    await createTenant(name);
    const t = await waitForTenant(kc, name, 'Ready', readyAndCurrent);
    await custom.deleteClusterCustomObject({ ...tenantsApi, name });
    await eventually(
      'the tenant to be deleted',
      async () => ((await readTenant(kc, name)) ? undefined : true),
      120_000,
    );
    await assert.rejects(core.readNamespace({ name: `tenant-${name}` }), (e) => httpStatus(e) === 404);
    const { rows } = await db.query('SELECT uid, deleted_at FROM tenants WHERE name = $1', [name]);
    assert.equal(rows[0].uid, t.metadata.uid);
    assert.ok(rows[0].deleted_at instanceof Date, 'the row is kept for billing and marked deleted');
  });

  it('refuses an invalid tenant at the API server with a readable message', async () => {
    await assert.rejects(
      custom.createClusterCustomObject({
        ...tenantsApi,
        body: tenantManifest(uniqueName('bad'), { billingCurrency: 'XXX' as never }),
      }),
      (e: unknown) => httpStatus(e) === 422 && /billingCurrency/.test(String((e as Error).message)),
    );
  });
});
