// The Tenant admission webhooks registered with the real API server: refusals name the field, defaults are
// filled in, deletes pass.
import assert from 'node:assert/strict';
import type https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { adminConfig, eventually, httpStatus, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';
import { tenantManifest, tenantsApi } from '../../support/tenants.ts';
import { serveWebhooks } from '../../support/webhook.ts';

describe('Tenant admission webhooks on the API server', function () {
  this.timeout(120_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const id = uniqueName('wh');
  const selector = { matchLabels: { 'omnicloud.io/webhook-test': id } };
  let server: https.Server;
  const created: string[] = [];

  const labelled = (name: string, spec: object = {}): object => {
    const m = tenantManifest(name, spec) as { metadata: Record<string, unknown> };
    m.metadata.labels = { 'omnicloud.io/webhook-test': id };
    return m;
  };

  before(async () => {
    installCrds();
    const served = await serveWebhooks();
    server = served.server;
    const clientConfig = {
      url: `https://127.0.0.1:${served.port}/validate`,
      caBundle: Buffer.from(served.cert.caCert).toString('base64'),
    };
    const rules = [
      {
        apiGroups: ['omnicloud.io'],
        apiVersions: ['v1alpha1'],
        resources: ['tenants'],
        operations: ['CREATE', 'UPDATE'],
        scope: '*',
      },
    ];
    await admission.createValidatingWebhookConfiguration({
      body: {
        metadata: { name: id },
        webhooks: [
          {
            name: 'tenants.validate.omnicloud.io',
            clientConfig,
            rules,
            objectSelector: selector,
            failurePolicy: 'Fail',
            sideEffects: 'None',
            admissionReviewVersions: ['v1'],
            timeoutSeconds: 5,
          },
        ],
      },
    });
    await admission.createMutatingWebhookConfiguration({
      body: {
        metadata: { name: id },
        webhooks: [
          {
            name: 'tenants.default.omnicloud.io',
            clientConfig: { ...clientConfig, url: `https://127.0.0.1:${served.port}/mutate` },
            rules,
            objectSelector: selector,
            failurePolicy: 'Ignore',
            sideEffects: 'None',
            admissionReviewVersions: ['v1'],
            timeoutSeconds: 5,
          },
        ],
      },
    });
    // Registration takes effect a moment later: wait until the mutating webhook labels a dry-run create. (The
    // validating webhook refuses nothing of a Tenant that the CRD's own rules do not refuse first.)
    await eventually('the webhooks in effect', async () => {
      const probe = (await custom.createClusterCustomObject({
        ...tenantsApi,
        body: labelled(uniqueName('probe')),
        dryRun: 'All',
      })) as { metadata: { labels?: Record<string, string> } };
      return probe.metadata.labels?.['omnicloud.io/tier'] ? true : undefined;
    });
  });

  after(async () => {
    await admission.deleteValidatingWebhookConfiguration({ name: id }).catch(() => undefined);
    await admission.deleteMutatingWebhookConfiguration({ name: id }).catch(() => undefined);
    for (const name of created)
      await custom.deleteClusterCustomObject({ ...tenantsApi, name }).catch(() => undefined);
    server.close();
  });

  it('refuses a duplicate admin with a message naming the field', async () => {
    const admins = [
      { kind: 'User', name: 'carol' },
      { kind: 'User', name: 'carol' },
    ];
    await eventually('the webhook to refuse', async () => {
      try {
        await custom.createClusterCustomObject({
          ...tenantsApi,
          body: labelled(uniqueName('dup'), { admins } as never),
        });
        return undefined;
      } catch (err) {
        assert.match(String((err as Error).message), /spec\.admins\[1\]: User carol is listed twice/);
        return true;
      }
    });
  });

  it('fills in defaults and labels, and never blocks a delete', async () => {
    const name = uniqueName('def');
    created.push(name);
    const body = labelled(name) as { spec: Record<string, unknown> };
    delete body.spec.tier;
    const stored = (await custom.createClusterCustomObject({ ...tenantsApi, body })) as {
      metadata: { labels: Record<string, string> };
      spec: { tier: string };
    };
    assert.equal(stored.spec.tier, 'standard');
    assert.equal(stored.metadata.labels['omnicloud.io/tier'], 'standard');
    await custom.deleteClusterCustomObject({ ...tenantsApi, name });
  });

  it('refuses lowering a quota below usage on update', async () => {
    const name = uniqueName('quota');
    created.push(name);
    await custom.createClusterCustomObject({ ...tenantsApi, body: labelled(name) });
    await custom.patchClusterCustomObjectStatus(
      { ...tenantsApi, name, body: { status: { quotaUsage: { networks: 3 } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await assert.rejects(
      custom.patchClusterCustomObject(
        { ...tenantsApi, name, body: { spec: { quotas: { networks: 1 } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
      (err: unknown) =>
        httpStatus(err) !== undefined &&
        /spec\.quotas\.networks: 1 is below the 3 networks/.test(String((err as Error).message)),
    );
  });
});
