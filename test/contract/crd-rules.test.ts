// The CRDs alone, on the real API server with no admission webhook registered for omnicloud.io, refuse what
// the webhooks refuse of one object: every bad manifest in fixtures/crd-refusals.ts, sent as a server-side
// dry run, is refused with a message naming the field and what is accepted (never a bare regex), and so is
// every change to a field that cannot change, sent to an object created for it. The webhook refuses the same
// objects, and both take the edge cases and the examples in examples/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { validate } from '../../webhooks/admission.ts';
import { adminConfig, eventually, httpStatus, uniqueName } from '../support/kube.ts';
import { installCrds } from '../support/operator.ts';
import { laterRules, underOlderRules } from '../support/older-crds.ts';
import { networkKind } from '../../crds/schemas/network.ts';
import { tenantKind } from '../../crds/schemas/tenant.ts';
import {
  badCreates,
  badUpdates,
  baseSpecs,
  goodCreates,
  goodUpdates,
  rawRegex,
  type Kind,
} from './fixtures/crd-refusals.ts';

const api = { group: 'omnicloud.io', version: 'v1alpha1' };
const clusterScoped = new Set<Kind>(['Tenant', 'CostAllocation']);
const plural = (kind: Kind) => `${kind.toLowerCase()}s`;

function serverMessage(err: unknown): string {
  const b = (err as { body?: unknown }).body;
  try {
    return String((typeof b === 'string' ? JSON.parse(b) : b)?.message ?? err);
  } catch {
    return String(err);
  }
}

/** A JSON merge patch turning spec `from` into `to` (fields `to` leaves out are removed). */
function mergePatch(from: object, to: object): Record<string, unknown> {
  const patch: Record<string, unknown> = JSON.parse(JSON.stringify(to));
  for (const key of Object.keys(from)) if (!(key in patch)) patch[key] = null;
  return patch;
}

/** The webhook's verdict on the same request, with no quota lookup (the CRD has none either). */
async function webhookAllows(
  operation: string,
  kind: Kind,
  object: object,
  oldObject?: object,
): Promise<boolean> {
  const review = await validate({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'contract', kind: { ...api, kind }, operation, object, oldObject },
  });
  return review.response.allowed;
}

describe('contract: the CRDs refuse on their own what the webhooks refuse, saying what is accepted', function () {
  this.timeout(180_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const namespace = uniqueName('crd-rules');
  const created: { kind: Kind; name: string }[] = [];

  const manifest = (kind: Kind, name: string, spec: object) => ({
    apiVersion: `${api.group}/${api.version}`,
    kind,
    metadata: clusterScoped.has(kind) ? { name } : { name, namespace },
    // Through JSON, as kubectl sends it: a field set to undefined is a field left out.
    spec: JSON.parse(JSON.stringify(spec)) as object,
  });
  const create = (kind: Kind, body: { metadata: { name: string } }, dryRun?: 'All') =>
    clusterScoped.has(kind)
      ? custom.createClusterCustomObject({ ...api, plural: plural(kind), body, dryRun })
      : custom.createNamespacedCustomObject({ ...api, plural: plural(kind), namespace, body, dryRun });
  /** A merge patch of the object or (status) of its status subresource; a server-side dry run with dryRun. */
  const patch = (kind: Kind, name: string, body: object, { status = false, dryRun = false } = {}) => {
    const args = { ...api, plural: plural(kind), name, body, dryRun: dryRun ? 'All' : undefined };
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    if (clusterScoped.has(kind)) {
      return status
        ? custom.patchClusterCustomObjectStatus(args, merge)
        : custom.patchClusterCustomObject(args, merge);
    }
    return status
      ? custom.patchNamespacedCustomObjectStatus({ ...args, namespace }, merge)
      : custom.patchNamespacedCustomObject({ ...args, namespace }, merge);
  };
  /** Creates an object for an update to be tried on; removed after the tests. */
  const createReal = async (kind: Kind, spec: object): Promise<string> => {
    const name = uniqueName(kind.toLowerCase());
    await create(kind, manifest(kind, name, spec));
    created.push({ kind, name });
    return name;
  };
  const refusal = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (err) {
      assert.equal(httpStatus(err), 422, serverMessage(err));
      return serverMessage(err);
    }
    assert.fail('the API server took it');
  };
  const saysAll = (message: string, says: RegExp[]) => {
    for (const expected of says) assert.match(message, expected);
    assert.doesNotMatch(message, rawRegex, 'a refusal in words, not a regex');
  };

  before(async () => {
    installCrds();
    // Whatever is refused below is refused by the API server itself: no webhook sees omnicloud.io objects.
    const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
    const configurations = [
      ...(await admission.listValidatingWebhookConfiguration()).items,
      ...(await admission.listMutatingWebhookConfiguration()).items,
    ];
    const hooked = configurations.filter((c) =>
      (c.webhooks ?? []).some((w) =>
        (w.rules ?? []).some((r) => (r.apiGroups ?? []).some((g) => g === api.group || g === '*')),
      ),
    );
    assert.deepEqual(
      hooked.map((c) => c.metadata?.name),
      [],
      'webhook configurations for omnicloud.io are registered',
    );
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  });

  after(async () => {
    for (const { kind, name } of created) {
      const args = { ...api, plural: plural(kind), name };
      await (
        clusterScoped.has(kind)
          ? custom.deleteClusterCustomObject(args)
          : custom.deleteNamespacedCustomObject({ ...args, namespace })
      ).catch(() => undefined);
    }
    await kc
      .makeApiClient(k8s.CoreV1Api)
      .deleteNamespace({ name: namespace })
      .catch(() => undefined);
  });

  it('covers at least 40 bad manifests over every kind', () => {
    assert.ok(badCreates.length + badUpdates.length >= 40, `${badCreates.length + badUpdates.length}`);
    const kinds = new Set([...badCreates, ...badUpdates].map((c) => c.kind));
    assert.deepEqual([...kinds].sort(), [
      'Compute',
      'CostAllocation',
      'Invoice',
      'Network',
      'Tenant',
      'Volume',
    ]);
  });

  describe('a bad object is refused on create', () => {
    for (const c of badCreates) {
      it(`${c.kind}: ${c.what}`, async () => {
        const body = manifest(c.kind, c.name ?? uniqueName('bad'), c.spec);
        saysAll(await refusal(create(c.kind, body, 'All')), c.says);
        if (!c.crdOnly)
          assert.equal(await webhookAllows('CREATE', c.kind, body), false, 'the webhook refuses it too');
      });
    }
  });

  describe('a change to what cannot change is refused', () => {
    for (const u of badUpdates) {
      it(`${u.kind}: ${u.what}`, async () => {
        const name = await createReal(u.kind, u.from);
        saysAll(
          await refusal(patch(u.kind, name, { spec: mergePatch(u.from, u.to) }, { dryRun: true })),
          u.says,
        );
        const allowed = await webhookAllows(
          'UPDATE',
          u.kind,
          manifest(u.kind, name, u.to),
          manifest(u.kind, name, u.from),
        );
        if (!u.crdOnly) assert.equal(allowed, false, 'the webhook refuses it too');
      });
    }
    for (const g of goodUpdates) {
      it(`${g.kind}: takes ${g.what}`, async () => {
        const name = await createReal(g.kind, g.from);
        await patch(g.kind, name, { spec: mergePatch(g.from, g.to) }, { dryRun: true });
        assert.ok(
          await webhookAllows('UPDATE', g.kind, manifest(g.kind, name, g.to), manifest(g.kind, name, g.from)),
        );
      });
    }
  });

  describe('rules on the status an update starts from', () => {
    // The operator, where one runs, may rewrite the status set here: each check sets it again until it holds.
    it('Invoice: an issued invoice stays final, its conditions may still move', async () => {
      const name = await createReal('Invoice', baseSpecs.Invoice);
      const issued = {
        phase: 'Issued',
        currency: 'EUR',
        total: '10.00',
        lines: [
          {
            resourceClass: 'vm.small',
            region: 'eu-west-1',
            quantity: '100',
            unit: 'hour',
            unitPrice: '0.10',
            amount: '10.00',
          },
        ],
      };
      const message = await eventually('the issued invoice refusing a new total', async () => {
        await patch('Invoice', name, { status: issued }, { status: true });
        return patch('Invoice', name, { status: { total: '9.00' } }, { status: true, dryRun: true }).then(
          () => undefined,
          (err: unknown) => (httpStatus(err) === 422 ? serverMessage(err) : undefined),
        );
      });
      saysAll(message, [/status\.total: invoice .* is issued and final; issue a credit note to correct it/]);
      await patch(
        'Invoice',
        name,
        { status: { computedAt: '2099-02-01T00:00:00Z' } },
        { status: true, dryRun: true },
      );
    });

    it('Tenant: the networks quota may not go below the networks the tenant has', async () => {
      const name = await createReal('Tenant', baseSpecs.Tenant);
      const message = await eventually('the tenant refusing a quota below its usage', async () => {
        await patch('Tenant', name, { status: { quotaUsage: { networks: 2 } } }, { status: true });
        return patch('Tenant', name, { spec: { quotas: { networks: 1 } } }, { dryRun: true }).then(
          () => undefined,
          (err: unknown) => (httpStatus(err) === 422 ? serverMessage(err) : undefined),
        );
      });
      saysAll(message, [
        /spec\.quotas\.networks: 1 is below the 2 networks the tenant has; delete networks first or set at least 2/,
      ]);
    });
  });

  describe('an object admitted before a rule held stays manageable', () => {
    // Rules on the whole object are judged again on every update unless they say otherwise: these must not
    // keep an older object from being labelled, from having its status written or from losing a finalizer.
    const hold = 'contract.omnicloud.io/hold';
    /** Labels the object, then removes the finalizer it was created with (only that one). */
    const label = async (kind: Kind, name: string) => {
      await patch(kind, name, { metadata: { labels: { reviewed: 'yes' } } });
      const args = {
        ...api,
        plural: plural(kind),
        name,
        body: [
          { op: 'test', path: '/metadata/finalizers/0', value: hold },
          { op: 'remove', path: '/metadata/finalizers/0' },
        ],
      };
      const json = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
      await (clusterScoped.has(kind)
        ? custom.patchClusterCustomObject(args, json)
        : custom.patchNamespacedCustomObject({ ...args, namespace }, json));
    };
    const older = async (kind: Kind, name: string, spec: object, rules: typeof laterRules.tenantName) => {
      const body = manifest(kind, name, spec);
      // Held by a finalizer of its own, so that removing it is an update the rules must let through.
      const held = { ...body, metadata: { ...body.metadata, finalizers: [hold] } };
      await underOlderRules(kind === 'Tenant' ? tenantKind : networkKind, rules, body, async () => {
        await create(kind, held);
      });
      created.push({ kind, name });
    };

    it('Tenant: a name with a dot, labelled, its status written, its finalizer removed', async () => {
      const name = `${uniqueName('older')}.example`;
      await older('Tenant', name, baseSpecs.Tenant, laterRules.tenantName);
      await patch('Tenant', name, { status: { phase: 'Pending' } }, { status: true });
      await label('Tenant', name);
      saysAll(await refusal(create('Tenant', manifest('Tenant', `${name}2`, baseSpecs.Tenant), 'All')), [
        /metadata\.name: must be lower-case letters/,
      ]);
    });

    it('Network: peering with itself, labelled and its finalizer removed; a change of spec judged by today', async () => {
      const name = uniqueName('older');
      const spec = { ...baseSpecs.Network, peerings: [{ network: name }] };
      await older('Network', name, spec, laterRules.networkSelfPeering);
      await patch('Network', name, { status: { phase: 'Pending' } }, { status: true });
      saysAll(
        await refusal(
          patch('Network', name, { spec: { securityGroups: [{ name: 'web' }] } }, { dryRun: true }),
        ),
        [/spec\.peerings: a network cannot peer with itself/],
      );
      await label('Network', name);
    });
  });

  describe('what is right is taken', () => {
    for (const g of goodCreates) {
      it(`${g.kind}: ${g.what}`, async () => {
        const body = manifest(g.kind, g.name ?? uniqueName('good'), g.spec);
        await create(g.kind, body, 'All');
        assert.ok(await webhookAllows('CREATE', g.kind, body), 'the webhook takes it too');
      });
    }

    const examples = fs
      .readdirSync('examples')
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) =>
        parseAllDocuments(fs.readFileSync(path.join('examples', f), 'utf8')).map((d) => ({
          file: f,
          object: d.toJS() as { kind: string; metadata: { name: string }; spec: object },
        })),
      )
      .filter((e) => e.object?.kind !== 'Namespace');
    for (const { file, object } of examples) {
      it(`examples/${file}: ${object.kind} ${object.metadata.name}`, async () => {
        const kind = object.kind as Kind;
        // A name of its own, so that a tenant of the same name (the examples applied by hand) is no obstacle.
        const body = manifest(
          kind,
          clusterScoped.has(kind) ? uniqueName(object.metadata.name) : object.metadata.name,
          object.spec,
        );
        await create(kind, body, 'All');
        assert.ok(await webhookAllows('CREATE', kind, body), 'the webhook takes it too');
      });
    }
  });
});
