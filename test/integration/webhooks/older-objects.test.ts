// Turning the webhooks on never strands older objects: a Network and a Compute admitted before the webhook,
// which the webhook refuses today, can still be labelled and deleted (the operator removes their finalizers
// through the webhook), while a change to their spec is judged by today's rules. End to end: the real API
// server calls the webhook server, and the real operator runs the finalizers.
import assert from 'node:assert/strict';
import type https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { computeKind, type Compute } from '../../../crds/schemas/compute.ts';
import { networkKind, type Network } from '../../../crds/schemas/network.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { laterRules, underOlderRules } from '../../support/older-crds.ts';
import { refusal, registerNamespaceWebhook, serveWebhooks } from '../../support/webhook.ts';
import {
  api,
  computeManifest,
  condition,
  create,
  createNamespace,
  deleteNamespace,
  networkManifest,
  patchSpec,
  read,
  remove,
  removeInfra,
  waitFor,
  type InfraPlural,
} from '../../support/infra.ts';

describe('integration: objects admitted before the webhooks stay manageable', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const ns = uniqueName('tenant-older');
  const id = uniqueName('wh-older');
  let server: https.Server | undefined;
  let op: OperatorProcess;

  const label = (plural: InfraPlural, name: string) =>
    custom.patchNamespacedCustomObject(
      { ...api, plural, namespace: ns, name, body: { metadata: { labels: { reviewed: 'yes' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );

  before(async () => {
    installCrds();
    await createNamespace(kc, ns);
    op = await startOperator(uniqueName('older-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    // Admitted while no webhook ran, under CRDs older than today's: a subnet in another region's zone, and too
    // little memory.
    const net = networkManifest(ns, 'net', {
      subnets: [{ name: 'a', zone: 'us-east-1a', prefixLength: 24 }],
    });
    await underOlderRules(networkKind, laterRules.networkSubnetZones, net, () => create(kc, net));
    const vm = computeManifest(ns, 'vm', { size: undefined, vcpu: 1, memory: '128Mi' });
    await underOlderRules(computeKind, laterRules.computeMemoryFloor, vm, () => create(kc, vm));
    await waitFor<Network>(
      kc,
      'networks',
      ns,
      'net',
      'refused by the controller, finalizer in place',
      (n) =>
        condition(n, 'Ready')?.reason === 'InvalidSpec' &&
        (n.metadata.finalizers ?? []).includes('omnicloud.io/network-cleanup'),
    );
    await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'vm',
      'refused by the controller, finalizer in place',
      (c) =>
        condition(c, 'Ready')?.reason === 'InvalidSpec' &&
        (c.metadata.finalizers ?? []).includes('omnicloud.io/compute-cleanup'),
    );

    const served = await serveWebhooks();
    server = served.server;
    await registerNamespaceWebhook(kc, id, served, ns, ['networks', 'computes']);
    // Registration takes effect a moment later: wait until the webhook refuses a spec change to the older
    // Compute (tried as a dry run), which today's CRD lets through, its memory being as it was admitted.
    await eventually('the webhook in effect', async () =>
      custom
        .patchNamespacedCustomObject(
          {
            ...api,
            plural: 'computes',
            namespace: ns,
            name: 'vm',
            body: { spec: { powerState: 'Stopped' } },
            dryRun: 'All',
          },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        )
        .then(
          () => undefined,
          (err: unknown) => ((err as { code?: number }).code === 422 ? true : undefined),
        ),
    );
  });
  after(async () => {
    await admission.deleteValidatingWebhookConfiguration({ name: id }).catch(() => undefined);
    server?.close();
    await removeInfra(kc, ns, ['vm']);
    await op?.stop();
    await deleteNamespace(kc, ns);
  });

  it('judges a change to their spec by the rules of today', async () => {
    assert.match(
      await refusal(patchSpec(kc, 'computes', ns, 'vm', { powerState: 'Stopped' })),
      /spec\.memory: 128Mi is below the 256Mi an instance needs/,
    );
    assert.match(
      await refusal(patchSpec(kc, 'networks', ns, 'net', { prefixLength: 20 })),
      /zone us-east-1a is not in region eu-west-1/,
    );
  });

  it('lets them be labelled', async () => {
    await label('computes', 'vm');
    await label('networks', 'net');
  });

  it('lets the operator delete them: each loses its finalizer through the webhook', async () => {
    await remove(kc, 'computes', ns, 'vm');
    await eventually(
      'the older Compute gone',
      async () => ((await read(kc, 'computes', ns, 'vm')) ? undefined : true),
      30_000,
    );
    await remove(kc, 'networks', ns, 'net');
    await eventually(
      'the older Network gone',
      async () => ((await read(kc, 'networks', ns, 'net')) ? undefined : true),
      30_000,
    );
  });
});
