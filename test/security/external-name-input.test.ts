// Hostile values of the omnicloud.io/external-name annotation, against the real stack: path steps to another
// resource, bare "." and "..", URLs, query and fragment characters, percent escapes, control characters and a
// 10 kB string are refused by the admission webhook on the API server with a message naming the annotation;
// objects that never met the webhook are refused by the controllers (InvalidSpec) before the provider is asked
// anything. What the provider saw, from the simulator's request log, is only well-formed requests: no path
// that the URL resolved into another route or collection, nothing that changed a resource, and the resources
// the values aimed at as they were. Another kind's id reaches nothing: the provider has no such resource.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { logDir } from '../../hack/stack/config.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { apiQuotaLookup } from '../../webhooks/quota.ts';
import {
  api,
  computeManifest,
  condition,
  networkManifest,
  volumeManifest,
  waitFor,
  type InfraPlural,
} from '../support/infra.ts';
import { eventually, uniqueName } from '../support/kube.ts';
import { refusal, registerNamespaceWebhook, serveWebhooks } from '../support/webhook.ts';
import { ManagedSecurityStack } from './managed-stack.ts';

const externalName = 'omnicloud.io/external-name';
const annotationField = `metadata.annotations[${externalName}]`;

/** Values that are no provider id, each aimed at `victim` (an instance) or `disk` (a volume) where it can be. */
function hostileValues(victim: string, disk: string): [string, string][] {
  return [
    ['a step up to another instance', `../${victim}`],
    ['a bare "."', '.'],
    ['a bare ".."', '..'],
    ['a path into another collection', `${victim}/../../volumes/${disk}`],
    ['an action of another instance', `../${victim}/stop`],
    ['a URL', 'http://169.254.169.254/latest/meta-data/'],
    ['a query', `${victim}?region=eu-west-1`],
    ['a fragment', `${victim}#stop`],
    ['a percent-encoded step', `%2e%2e%2f${victim}`],
    ['a backslash step', `..\\${victim}`],
    ['a CR LF header', `${victim}\r\nX-Injected: 1`],
    ['a NUL', `${victim}\u0000`],
    ['10 kB', `i-${'a'.repeat(10_240)}`],
  ];
}

const manifests: Record<InfraPlural, (ns: string, name: string) => object> = {
  computes: (ns, name) => computeManifest(ns, name),
  volumes: (ns, name) => volumeManifest(ns, name),
  networks: (ns, name) => networkManifest(ns, name),
};

function annotated(plural: InfraPlural, ns: string, name: string, value: string): object {
  const m = manifests[plural](ns, name) as { metadata: Record<string, unknown> };
  m.metadata.annotations = { [externalName]: value };
  return m;
}

/** The simulator's request log lines written since `since` (ms). */
function providerRequests(since: number): { method: string; path: string; status: number }[] {
  const file = path.join(logDir, 'cloud-simulator.log');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"msg":"request"'))
    .map((l) => JSON.parse(l) as { time: string; method: string; path: string; status: number })
    .filter((r) => Date.parse(r.time) >= since);
}

/** A provider request as the API has them: a collection, or one resource of it and an action of it. */
const wellFormed =
  /^\/v1\/(?:regions|hosts|instances|volumes|networks|(?:instances|volumes|networks|operations)\/[A-Za-z0-9-]+(?:\/(?:start|stop|resize|security-groups|attach|detach))?)$/;

describe('security: hostile external names are refused before they reach the provider', function () {
  this.timeout(300_000);
  const stack = new ManagedSecurityStack(['name-adm', 'name-rec']);
  const [adm, rec] = stack.tenants as [
    ManagedSecurityStack['tenants'][number],
    ManagedSecurityStack['tenants'][number],
  ];
  const custom = stack.kc.makeApiClient(k8s.CustomObjectsApi);
  const admission = stack.kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const webhookId = uniqueName('sec-external-name');
  let server: https.Server | undefined;
  let victim = '';
  let disk = '';

  before(async () => {
    await stack.start({ network: false, networksQuota: 20 });
    victim = (await stack.outsideInstance()).id;
    disk = (await stack.outsideVolume(10)).id;
    const served = await serveWebhooks(apiQuotaLookup(stack.kc, endpoints().provider));
    server = served.server;
    await registerNamespaceWebhook(stack.kc, webhookId, served, adm.ns, ['computes', 'volumes', 'networks']);
    // Registration takes effect a moment later: wait until the webhook refuses what only it refuses.
    await eventually('the webhook to refuse an external name with a space', () =>
      custom
        .createNamespacedCustomObject({
          ...api,
          plural: 'volumes',
          namespace: adm.ns,
          body: annotated('volumes', adm.ns, 'probe', 'i- 1'),
          dryRun: 'All',
        })
        .then(
          () => undefined,
          (err: unknown) => (String(err).includes(annotationField) ? true : undefined),
        ),
    );
  });
  after(async () => {
    // The configuration goes first: finalizers are removed by updates the webhook would otherwise judge.
    await admission.deleteValidatingWebhookConfiguration({ name: webhookId }).catch(() => undefined);
    server?.close();
    await stack.close();
  });

  it('refuses every hostile value at admission, on create and on update, naming the annotation', async () => {
    for (const plural of ['computes', 'volumes', 'networks'] as const) {
      for (const [what, value] of hostileValues(victim, disk)) {
        const body = await refusal(
          custom.createNamespacedCustomObject({
            ...api,
            plural,
            namespace: adm.ns,
            body: annotated(plural, adm.ns, 'hostile', value),
            dryRun: 'All',
          }),
        );
        assert.ok(body.includes(annotationField), `${plural}, ${what}: ${body.slice(0, 400)}`);
        assert.match(
          body,
          /is empty|has \d+ characters|whitespace or a control character|reads as a URL or a path, not a provider id/,
          `${plural}, ${what}`,
        );
      }
    }
    // An object that exists (observing nothing yet) cannot be given one either.
    const m = volumeManifest(adm.ns, 'waiting', { managementPolicy: 'ObserveOnly' });
    await custom.createNamespacedCustomObject({ ...api, plural: 'volumes', namespace: adm.ns, body: m });
    for (const [what, value] of hostileValues(victim, disk)) {
      const body = await refusal(adm.annotate('volumes', 'waiting', { [externalName]: value }));
      assert.ok(body.includes(annotationField), `update, ${what}: ${body.slice(0, 400)}`);
    }
  });

  it('refuses objects that never met the webhook in the controllers, asking the provider nothing about them', async () => {
    const since = Date.now();
    const made: { plural: InfraPlural; name: string; what: string }[] = [];
    for (const plural of ['computes', 'volumes', 'networks'] as const) {
      for (const [i, [what, value]] of hostileValues(victim, disk).entries()) {
        const name = `${plural.slice(0, 3)}-${i}`;
        await custom.createNamespacedCustomObject({
          ...api,
          plural,
          namespace: rec.ns,
          body: annotated(plural, rec.ns, name, value),
        });
        made.push({ plural, name, what });
      }
    }
    for (const { plural, name, what } of made) {
      const o = await waitFor<{ metadata: k8s.V1ObjectMeta; status?: object }>(
        stack.kc,
        plural,
        rec.ns,
        name,
        `${what}: Ready=False`,
        (x) => condition(x as never, 'Ready')?.status === 'False',
        120_000,
      );
      const ready = condition(o as never, 'Ready')!;
      assert.equal(ready.reason, 'InvalidSpec', `${plural} ${what}: ${ready.reason}: ${ready.message}`);
      assert.ok(ready.message.includes(annotationField), `${plural} ${what}: ${ready.message}`);
      assert.equal((o.status as { providerId?: string }).providerId, undefined);
      const told = await rec.event(o.metadata.uid!, 'InvalidSpec');
      assert.equal(told.type, 'Warning');
    }
    await stack.intervals(1);
    const requests = providerRequests(since);
    for (const r of requests) {
      assert.match(r.path, wellFormed, `the provider was sent ${r.method} ${r.path} (${r.status})`);
      assert.ok(
        r.status < 400 || r.status === 404,
        `the provider refused ${r.method} ${r.path}: ${r.status}`,
      );
    }
    const touching = requests.filter(
      (r) => r.method !== 'GET' && (r.path.includes(victim) || r.path.includes(disk)),
    );
    assert.deepEqual(touching, [], 'no call changed the resources the values aimed at');
    const [instance, volume] = [await stack.instance(victim), await stack.volume(disk)];
    assert.deepEqual([instance?.state, volume?.state, volume?.sizeGiB], ['running', 'available', 10]);
  });

  it("takes another kind's id as a resource the provider does not have, and touches nothing", async () => {
    const since = Date.now();
    await rec.createCompute('cross-compute', { managementPolicy: 'ObserveOnly' }, { [externalName]: disk });
    await rec.createVolume('cross-volume', { managementPolicy: 'ObserveOnly' }, { [externalName]: victim });
    for (const [plural, name] of [
      ['computes', 'cross-compute'],
      ['volumes', 'cross-volume'],
    ] as const) {
      const o = await waitFor<{ metadata: k8s.V1ObjectMeta; status?: { providerId?: string } }>(
        stack.kc,
        plural,
        rec.ns,
        name,
        'refused',
        (x) => condition(x as never, 'Ready')?.status === 'False',
        120_000,
      );
      const ready = condition(o as never, 'Ready')!;
      assert.equal(ready.reason, 'ExternalResourceNotFound', ready.message);
      assert.equal(o.status?.providerId, undefined);
    }
    await stack.intervals(1);
    const changing = providerRequests(since).filter((r) => r.method !== 'GET');
    assert.deepEqual(changing, [], 'nothing was changed at the provider');
    assert.equal((await stack.instance(victim))?.state, 'running');
    assert.equal((await stack.volume(disk))?.sizeGiB, 10);
  });
});
