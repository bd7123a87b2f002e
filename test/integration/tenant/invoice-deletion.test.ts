// Tenants cannot delete their invoices: the tenant admin Role the operator makes grants no delete on them,
// and the admission webhook refuses the delete of an issued invoice to anyone but the cluster itself (its
// namespace controller, the operator deleting the tenant, a cluster admin), whatever RBAC a cluster grants.
import assert from 'node:assert/strict';
import type https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { adminConfig, eventually, httpStatus, uniqueName, userConfig } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { createReadyTenant, deleteTenants } from '../../support/tenants.ts';
import { registerNamespaceWebhook, serveWebhooks } from '../../support/webhook.ts';
import { api, createNamespace, deleteNamespace, networkManifest } from '../../support/infra.ts';

const invoice = (namespace: string, name: string) => ({
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Invoice',
  metadata: { name, namespace },
  spec: { month: '2026-01' },
});

describe('integration: invoices cannot be deleted by tenants', function () {
  this.timeout(180_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);

  describe('the tenant admin Role', () => {
    const tenant = uniqueName('inv-rbac');
    const ns = `tenant-${tenant}`;
    const admin = uniqueName('tenant-admin');
    let op: OperatorProcess;

    before(async () => {
      installCrds();
      op = await startOperator(uniqueName('inv-rbac-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
      await createReadyTenant(kc, tenant, { admins: [{ kind: 'User', name: admin }] });
    });
    after(async () => {
      await deleteTenants(kc, [tenant]);
      await op?.stop();
    });

    it('lets a tenant admin read an invoice but not delete it, while other kinds stay deletable', async () => {
      await custom.createNamespacedCustomObject({
        ...api,
        plural: 'invoices',
        namespace: ns,
        body: invoice(ns, 'january'),
      });
      const asAdmin = (await userConfig(admin)).makeApiClient(k8s.CustomObjectsApi);
      await eventually('the tenant admin Role in effect', async () =>
        asAdmin.getNamespacedCustomObject({ ...api, plural: 'invoices', namespace: ns, name: 'january' }),
      );
      await assert.rejects(
        asAdmin.deleteNamespacedCustomObject({ ...api, plural: 'invoices', namespace: ns, name: 'january' }),
        (err) => httpStatus(err) === 403,
      );
      await assert.rejects(
        asAdmin.deleteCollectionNamespacedCustomObject({ ...api, plural: 'invoices', namespace: ns }),
        (err) => httpStatus(err) === 403,
      );
      await asAdmin.createNamespacedCustomObject({
        ...api,
        plural: 'networks',
        namespace: ns,
        body: networkManifest(ns, 'net'),
      });
      await asAdmin.deleteNamespacedCustomObject({ ...api, plural: 'networks', namespace: ns, name: 'net' });
    });
  });

  describe('the admission webhook', () => {
    const ns = uniqueName('tenant-inv-wh');
    const id = uniqueName('wh-invoices');
    const deleter = uniqueName('generous-rbac');
    const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    let server: https.Server | undefined;
    let asDeleter: k8s.CustomObjectsApi;

    const createInvoice = async (name: string, phase: 'Draft' | 'Issued') => {
      await custom.createNamespacedCustomObject({
        ...api,
        plural: 'invoices',
        namespace: ns,
        body: invoice(ns, name),
      });
      await custom.patchNamespacedCustomObjectStatus(
        { ...api, plural: 'invoices', namespace: ns, name, body: { status: { phase } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    };
    const deleteAs = (client: k8s.CustomObjectsApi, name: string) =>
      client.deleteNamespacedCustomObject({ ...api, plural: 'invoices', namespace: ns, name });

    before(async () => {
      installCrds();
      await createNamespace(kc, ns);
      // A cluster whose RBAC gives a user delete on invoices: only the webhook stands in the way.
      await rbac.createNamespacedRole({
        namespace: ns,
        body: {
          metadata: { name: 'invoice-deleter' },
          rules: [{ apiGroups: ['omnicloud.io'], resources: ['invoices'], verbs: ['get', 'delete'] }],
        },
      });
      await rbac.createNamespacedRoleBinding({
        namespace: ns,
        body: {
          metadata: { name: 'invoice-deleter' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'invoice-deleter' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: deleter }],
        },
      });
      asDeleter = (await userConfig(deleter)).makeApiClient(k8s.CustomObjectsApi);
      const served = await serveWebhooks();
      server = served.server;
      await registerNamespaceWebhook(kc, id, served, ns, ['invoices'], ['DELETE']);
      await createInvoice('probe', 'Issued');
      await eventually('the webhook in effect', async () =>
        deleteAs(asDeleter, 'probe').then(
          () => undefined,
          (err: unknown) =>
            httpStatus(err) === 403 && /issued and final/.test(String(err)) ? true : undefined,
        ),
      );
    });
    after(async () => {
      await admission.deleteValidatingWebhookConfiguration({ name: id }).catch(() => undefined);
      server?.close();
      await deleteNamespace(kc, ns);
    });

    it('refuses the delete of an issued invoice to a user RBAC allows, saying why', async () => {
      await createInvoice('issued', 'Issued');
      await assert.rejects(deleteAs(asDeleter, 'issued'), (err) => {
        assert.equal(httpStatus(err), 403);
        assert.match(String((err as { body?: unknown }).body ?? err), /invoice issued is issued and final/);
        return true;
      });
    });

    it('lets a draft be deleted', async () => {
      await createInvoice('draft', 'Draft');
      await deleteAs(asDeleter, 'draft');
    });

    it('lets a cluster admin delete an issued invoice, as tenant deletion does', async () => {
      await deleteAs(custom, 'issued');
      await deleteAs(custom, 'probe');
    });
  });
});
