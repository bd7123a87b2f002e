// The Network, Compute and Volume admission webhooks registered with the real API server, with the quota
// lookup on the real Tenant: refusals name the field and say what would be accepted; updates of immutable
// fields are refused; volumes grow within the storage quota and never shrink; deletes always pass.
import assert from 'node:assert/strict';
import type https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { apiQuotaLookup } from '../../../webhooks/quota.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';
import { tenantManifest, tenantsApi } from '../../support/tenants.ts';
import { refusal, registerNamespaceWebhook, serveWebhooks } from '../../support/webhook.ts';
import {
  api,
  computeManifest,
  createNamespace,
  deleteNamespace,
  networkManifest,
  patchSpec,
  volumeManifest,
} from '../../support/infra.ts';

describe('integration: Network, Compute and Volume admission webhooks on the API server', function () {
  this.timeout(120_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const tenant = uniqueName('whq');
  const ns = `tenant-${tenant}`;
  const id = uniqueName('wh-infra');
  let server: https.Server;

  const createIn = (kind: 'networks' | 'computes' | 'volumes', body: object) =>
    custom.createNamespacedCustomObject({ ...api, plural: kind, namespace: ns, body });
  const patchVolume = (name: string, spec: object) => patchSpec(kc, 'volumes', ns, name, spec);
  const sizeOf = async (name: string): Promise<number> =>
    (
      (await custom.getNamespacedCustomObject({ ...api, plural: 'volumes', namespace: ns, name })) as {
        spec: { sizeGiB: number };
      }
    ).spec.sizeGiB;

  before(async () => {
    installCrds();
    await custom.createClusterCustomObject({
      ...tenantsApi,
      body: tenantManifest(tenant, {
        quotas: { vcpu: 4, memory: '64Gi', storage: '300Gi', networks: 1, publicIPs: 0 },
      }),
    });
    await createNamespace(kc, ns);
    const served = await serveWebhooks(apiQuotaLookup(kc, endpoints().provider));
    server = served.server;
    await registerNamespaceWebhook(kc, id, served, ns, ['networks', 'computes', 'volumes']);
    // Registration takes effect a moment later; wait until the webhook refuses a probe only it refuses (the
    // CRDs' own rules answer at once): an instance over the tenant's vCPU quota, sent as a dry run.
    const probe = computeManifest(ns, 'probe', { size: 'xlarge' });
    await eventually('the webhook to refuse a probe', async () =>
      custom
        .createNamespacedCustomObject({
          ...api,
          plural: 'computes',
          namespace: ns,
          body: probe,
          dryRun: 'All',
        })
        .then(
          () => undefined,
          (err: unknown) => (/would exceed tenant/.test(String(err)) ? true : undefined),
        ),
    );
  });
  after(async () => {
    await admission.deleteValidatingWebhookConfiguration({ name: id }).catch(() => undefined);
    server?.close();
    for (const plural of ['computes', 'networks', 'volumes'])
      await custom
        .deleteCollectionNamespacedCustomObject({ ...api, plural, namespace: ns })
        .catch(() => undefined);
    await deleteNamespace(kc, ns);
    await custom.deleteClusterCustomObject({ ...tenantsApi, name: tenant }).catch(() => undefined);
  });

  it('refuses a subnet outside its network, naming the field', async () => {
    const body = networkManifest(ns, 'bad', {
      cidr: '10.5.0.0/16',
      prefixLength: undefined,
      subnets: [{ name: 'a', zone: 'eu-west-1a', cidr: '10.6.0.0/24' }],
    });
    assert.match(
      await refusal(createIn('networks', body)),
      /spec\.subnets\[0\]\.cidr: 10\.6\.0\.0\/24 is not inside the network's 10\.5\.0\.0\/16/,
    );
  });

  it('refuses a malformed security-group rule', async () => {
    const body = networkManifest(ns, 'bad2', {
      securityGroups: [
        { name: 'g', ingress: [{ protocol: 'icmp', ports: '22', cidr: '0.0.0.0/0' }], egress: [] },
      ],
    });
    assert.match(
      await refusal(createIn('networks', body)),
      /ingress\[0\]\.ports: .*ports do not apply to protocol icmp/,
    );
  });

  it('admits a network within quota, refuses the next one over it, and refuses changing its region', async () => {
    await createIn('networks', networkManifest(ns, 'net'));
    assert.match(
      await refusal(createIn('networks', networkManifest(ns, 'net2'))),
      /may have 1 network\(s\) and has 1; raise spec\.quotas\.networks/,
    );
    assert.match(
      await refusal(patchSpec(kc, 'networks', ns, 'net', { prefixLength: 20 })),
      /spec\.prefixLength: is immutable/,
    );
  });

  it("refuses a region the provider does not offer, naming the provider's regions", async () => {
    for (const [kind, body] of [
      [
        'networks',
        networkManifest(ns, 'on-mars', {
          region: 'mars-1',
          subnets: [{ name: 'a', zone: 'mars-1a', prefixLength: 24 }],
        }),
      ],
      ['volumes', volumeManifest(ns, 'on-mars', { region: 'mars-1', zone: 'mars-1a' })],
    ] as const) {
      assert.match(
        await refusal(createIn(kind, body)),
        /spec\.region: region mars-1 is not offered by the cloud provider; offered: eu-west-1, us-east-1/,
      );
    }
  });

  it('refuses a Compute zone outside its region', async () => {
    assert.match(
      await refusal(createIn('computes', computeManifest(ns, 'vm-z', { zone: 'us-east-1b' }))),
      /spec\.zone: zone us-east-1b is not in region eu-west-1/,
    );
  });

  it('admits Computes up to the vCPU quota and refuses the one over it, saying what is used', async () => {
    await createIn('computes', computeManifest(ns, 'vm-1', { size: 'medium' }));
    await createIn('computes', computeManifest(ns, 'vm-2', { size: 'medium' }));
    assert.match(
      await refusal(createIn('computes', computeManifest(ns, 'vm-3'))),
      /1 more vCPU would exceed tenant .*'s quota: 4 of 4 in use/,
    );
  });

  it('refuses resizing a Compute, allows stopping it, and lets deletes through', async () => {
    assert.match(
      await refusal(patchSpec(kc, 'computes', ns, 'vm-1', { size: 'large' })),
      /spec\.size: is immutable \(was medium\); create a new Compute instead/,
    );
    await patchSpec(kc, 'computes', ns, 'vm-1', { powerState: 'Stopped' });
    await custom.deleteNamespacedCustomObject({ ...api, plural: 'computes', namespace: ns, name: 'vm-2' });
  });

  it('refuses a Volume zone outside its region, naming the field', async () => {
    assert.match(
      await refusal(createIn('volumes', volumeManifest(ns, 'vol-z', { zone: 'us-east-1b' }))),
      /spec\.zone: zone us-east-1b is not in region eu-west-1; zones of eu-west-1 are named eu-west-1a/,
    );
  });

  it('admits a Volume within the storage quota and refuses the next one over it, saying what is used', async () => {
    await createIn('volumes', volumeManifest(ns, 'data', { sizeGiB: 100, type: 'ssd' }));
    assert.equal(await sizeOf('data'), 100);
    assert.match(
      await refusal(createIn('volumes', volumeManifest(ns, 'more', { sizeGiB: 250 }))),
      /spec\.sizeGiB: 250 GiB more storage would exceed tenant .*'s storage quota: 100 of 300 GiB in use; raise spec\.quotas\.storage/,
    );
    await createIn('volumes', volumeManifest(ns, 'logs', { sizeGiB: 50, zone: 'eu-west-1b' }));
  });

  it('lets a Volume grow within the quota and refuses growing it past the quota', async () => {
    await patchVolume('data', { sizeGiB: 200 });
    assert.equal(await sizeOf('data'), 200);
    assert.match(
      await refusal(patchVolume('data', { sizeGiB: 251 })),
      /spec\.sizeGiB: growing from 200 to 251 GiB would exceed tenant .*'s storage quota: 250 of 300 GiB in use/,
    );
    assert.equal(await sizeOf('data'), 200);
  });

  it('refuses shrinking a Volume or changing its zone or type', async () => {
    assert.match(await refusal(patchVolume('data', { sizeGiB: 50 })), /spec\.sizeGiB.*never shrink/);
    assert.match(await refusal(patchVolume('data', { zone: 'eu-west-1b' })), /spec\.zone.*immutable/);
    assert.match(await refusal(patchVolume('data', { type: 'standard' })), /spec\.type.*immutable/);
    assert.equal(await sizeOf('data'), 200);
  });

  it('lets label changes and deletes of Volumes through, even with the tenant over its storage quota', async () => {
    await custom.patchClusterCustomObject(
      { ...tenantsApi, name: tenant, body: { spec: { quotas: { storage: '100Gi' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.match(
      await refusal(patchVolume('data', { sizeGiB: 201 })),
      /growing from 200 to 201 GiB would exceed tenant .*'s storage quota: 250 of 100 GiB in use/,
    );
    await custom.patchNamespacedCustomObject(
      {
        ...api,
        plural: 'volumes',
        namespace: ns,
        name: 'data',
        body: { metadata: { labels: { tier: 'db' } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await custom.deleteNamespacedCustomObject({ ...api, plural: 'volumes', namespace: ns, name: 'logs' });
  });
});
