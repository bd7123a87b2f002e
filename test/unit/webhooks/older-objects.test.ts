// Objects admitted before the webhook, or under older rules, stay manageable: an update that changes only
// metadata (finalizers, labels, annotations) or status is never refused for the spec, and an object being
// deleted can always lose its finalizers. What is final whatever the spec (an issued invoice) stays final.
import assert from 'node:assert/strict';
import { validate } from '../../../webhooks/admission.ts';

function review(kind: string, object: unknown, oldObject?: unknown) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: 'omnicloud.io', version: 'v1alpha1', kind },
      operation: oldObject === undefined ? 'CREATE' : 'UPDATE',
      object,
      oldObject,
    },
  };
}

/** A Network the webhook refuses today: its subnet's zone is in another region. */
const network = {
  metadata: { name: 'old', namespace: 'tenant-a', finalizers: ['omnicloud.io/network-cleanup'] },
  spec: {
    region: 'eu-west-1',
    prefixLength: 16,
    subnets: [{ name: 'a', zone: 'us-east-1a', prefixLength: 24 }],
  },
};
/** A Compute the webhook refuses today: too little memory. */
const compute = {
  metadata: { name: 'old', namespace: 'tenant-a', finalizers: ['omnicloud.io/compute-cleanup'] },
  spec: { region: 'eu-west-1', vcpu: 1, memory: '128Mi', image: 'debian-12', network: 'net', subnet: 'a' },
};

const allowed = async (kind: string, object: unknown, oldObject: unknown) =>
  (await validate(review(kind, object, oldObject))).response.allowed;

describe('unit: admission of updates to objects the rules refuse today', () => {
  for (const [kind, obj] of [
    ['Network', network],
    ['Compute', compute],
  ] as const) {
    it(`${kind}: refused as created, so the rules really apply to it`, async () => {
      assert.equal((await validate(review(kind, obj))).response.allowed, false);
    });

    it(`${kind}: losing its finalizer, a label or an annotation is allowed`, async () => {
      const meta = obj.metadata;
      assert.equal(await allowed(kind, { ...obj, metadata: { ...meta, finalizers: [] } }, obj), true);
      assert.equal(await allowed(kind, { ...obj, metadata: { ...meta, labels: { team: 'x' } } }, obj), true);
      assert.equal(
        await allowed(kind, { ...obj, metadata: { ...meta, annotations: { a: 'b' } } }, obj),
        true,
      );
    });

    it(`${kind}: a status change is allowed`, async () => {
      assert.equal(await allowed(kind, { ...obj, status: { phase: 'Failed' } }, obj), true);
    });

    it(`${kind}: a spec change is still checked against today's rules`, async () => {
      const changed = {
        ...obj,
        spec: { ...obj.spec, region: 'eu-west-1' === obj.spec.region ? 'us-east-1' : 'eu-west-1' },
      };
      assert.equal(await allowed(kind, changed, obj), false);
    });

    it(`${kind}: anything goes once it is being deleted, so deletion completes`, async () => {
      const deleting = { ...obj, metadata: { ...obj.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
      const changed = {
        ...deleting,
        metadata: { ...deleting.metadata, finalizers: [] },
        spec: { ...obj.spec, image: 'x' },
      };
      assert.equal(await allowed(kind, changed, deleting), true);
    });
  }

  it('an issued invoice stays final on an update that leaves its spec alone', async () => {
    const invoice = {
      metadata: { name: 'inv', namespace: 'tenant-a' },
      spec: { month: '2026-01' },
      status: { phase: 'Issued', total: '10.00', lines: [], conditions: [] },
    };
    assert.equal(
      await allowed('Invoice', { ...invoice, status: { ...invoice.status, total: '0.00' } }, invoice),
      false,
    );
    assert.equal(
      await allowed(
        'Invoice',
        { ...invoice, metadata: { ...invoice.metadata, labels: { a: 'b' } } },
        invoice,
      ),
      true,
    );
  });
});
