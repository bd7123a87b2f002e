// Admission decisions for Tenants, and the envelope: malformed requests still get a well-formed answer.
import assert from 'node:assert/strict';
import { mutate, validate } from '../../../webhooks/admission.ts';
import { needsRenewal, createServingCertificate } from '../../../webhooks/certs.ts';

const spec = {
  displayName: 'ACME',
  quotas: { vcpu: 4, memory: '8Gi', storage: '10Gi', networks: 2, publicIPs: 0 },
  billingCurrency: 'USD',
};

function review(operation: string, object: unknown, oldObject?: unknown, kind = 'Tenant') {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: 'omnicloud.io', version: 'v1alpha1', kind },
      operation,
      object,
      oldObject,
    },
  };
}

describe('Tenant admission', async () => {
  it('allows a valid tenant', async () => {
    const r = await validate(review('CREATE', { metadata: { name: 'acme' }, spec }));
    assert.deepEqual(r.response, { uid: 'u-1', allowed: true });
  });

  it('refuses a name that cannot become a namespace, naming the field', async () => {
    const r = await validate(review('CREATE', { metadata: { name: 'a'.repeat(57) }, spec }));
    assert.equal(r.response.allowed, false);
    assert.match(r.response.status!.message, /^metadata\.name: .*at most 56 characters/);
    assert.equal(
      (await validate(review('CREATE', { metadata: { name: 'has.dots' }, spec }))).response.allowed,
      false,
    );
  });

  it('refuses a subject listed twice', async () => {
    const admins = [
      { kind: 'User', name: 'a' },
      { kind: 'User', name: 'a' },
    ];
    const r = await validate(review('CREATE', { metadata: { name: 'acme' }, spec: { ...spec, admins } }));
    assert.match(r.response.status!.message, /spec\.admins\[1\]: User a is listed twice/);
  });

  it('refuses lowering the network quota below what the tenant uses, and allows it at the usage', async () => {
    const old = { metadata: { name: 'acme' }, spec, status: { quotaUsage: { networks: 2 } } };
    const lower = { metadata: { name: 'acme' }, spec: { ...spec, quotas: { ...spec.quotas, networks: 1 } } };
    const r = await validate(review('UPDATE', lower, old));
    assert.match(
      r.response.status!.message,
      /spec\.quotas\.networks: 1 is below the 2 networks the tenant has; .* at least 2/,
    );
    assert.equal(
      (await validate(review('UPDATE', { metadata: { name: 'acme' }, spec }, old))).response.allowed,
      true,
    );
  });

  it('reports schema problems with their paths', async () => {
    const r = await validate(
      review('CREATE', { metadata: { name: 'acme' }, spec: { ...spec, billingCurrency: 'XYZ' } }),
    );
    assert.match(r.response.status!.message, /spec\.billingCurrency/);
  });

  it('never refuses a delete', async () => {
    assert.equal(
      (await validate(review('DELETE', null, { metadata: { name: 'acme' }, spec: {} }))).response.allowed,
      true,
    );
  });

  it('fills in defaults with a JSON patch', async () => {
    const r = mutate(review('CREATE', { metadata: { name: 'acme' }, spec }));
    assert.equal(r.response.patchType, 'JSONPatch');
    const ops = JSON.parse(Buffer.from(r.response.patch!, 'base64').toString());
    assert.deepEqual(ops, [
      { op: 'add', path: '/spec/admins', value: [] },
      { op: 'add', path: '/spec/viewers', value: [] },
      { op: 'add', path: '/spec/tier', value: 'standard' },
      { op: 'add', path: '/spec/suspended', value: false },
      { op: 'add', path: '/metadata/labels', value: {} },
      { op: 'add', path: '/metadata/labels/omnicloud.io~1tier', value: 'standard' },
    ]);
  });

  it('answers malformed reviews with a well-formed refusal that keeps the uid', async () => {
    for (const body of [
      null,
      42,
      'x',
      {},
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-9' } },
    ]) {
      const r = await validate(body);
      assert.equal(r.apiVersion, 'admission.k8s.io/v1');
      assert.equal(r.kind, 'AdmissionReview');
      assert.equal(r.response.allowed, false);
      assert.equal(r.response.status!.code, 400);
    }
    assert.equal(
      (
        await validate({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          request: { uid: 'u-9' },
        })
      ).response.uid,
      'u-9',
    );
  });
});

describe('webhook serving certificates', () => {
  it('are issued by a CA for the given names and renewed in time', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const c = await createServingCertificate(
      ['omnicloud-operator.omnicloud-system.svc'],
      ['127.0.0.1'],
      now,
      90,
    );
    assert.match(c.caCert, /BEGIN CERTIFICATE/);
    assert.equal(needsRenewal(c.cert, new Date('2026-02-01T00:00:00Z')), false);
    assert.equal(needsRenewal(c.cert, new Date('2026-03-15T00:00:00Z')), true);
  });
});
