// The CRDs on the real API server: every one is accepted and established, a valid object is stored, and
// invalid ones are refused by the server itself with a message that names the field.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { kinds } from '../../crds/schemas/index.ts';
import { adminConfig, httpStatus, uniqueName } from '../support/kube.ts';
import { installCrds } from '../support/operator.ts';
import { tenantsApi } from '../support/tenants.ts';
import { invalidTenantFields, invalidTenantSpecs, validTenantSpec } from './fixtures/tenants.ts';

function body(name: string, spec: object): object {
  return { apiVersion: 'omnicloud.io/v1alpha1', kind: 'Tenant', metadata: { name }, spec };
}

function serverMessage(err: unknown): string {
  const b = (err as { body?: unknown }).body;
  try {
    return String((typeof b === 'string' ? JSON.parse(b) : b)?.message ?? err);
  } catch {
    return String(err);
  }
}

describe('CRD contract with the API server', () => {
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);

  before(() => installCrds());

  it('establishes every CRD, in the omnicloud category', async () => {
    for (const kind of kinds) {
      const crd = await ext.readCustomResourceDefinition({ name: `${kind.plural}.omnicloud.io` });
      assert.ok(
        crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'),
        kind.kind,
      );
      assert.deepEqual(crd.spec.names.categories, ['omnicloud']);
    }
  });

  it('stores a valid Tenant with server-side defaults', async () => {
    const name = uniqueName('contract');
    try {
      const created = (await custom.createClusterCustomObject({
        ...tenantsApi,
        body: body(name, validTenantSpec),
      })) as { spec: Record<string, unknown> };
      assert.equal(created.spec.tier, 'standard');
      assert.equal(created.spec.suspended, false);
    } finally {
      await custom.deleteClusterCustomObject({ ...tenantsApi, name }).catch(() => undefined);
    }
  });

  for (const [what, spec] of Object.entries(invalidTenantSpecs)) {
    it(`refuses ${what} with a message naming the field`, async () => {
      await assert.rejects(
        custom.createClusterCustomObject({ ...tenantsApi, body: body(uniqueName('bad'), spec) }),
        (err) => {
          assert.equal(httpStatus(err), 422);
          assert.match(serverMessage(err), invalidTenantFields[what]!);
          return true;
        },
      );
    });
  }

  it('enforces the free-tier CEL rule on the server', async () => {
    const spec = { ...validTenantSpec, tier: 'free', quotas: { ...validTenantSpec.quotas, vcpu: 16 } };
    await assert.rejects(
      custom.createClusterCustomObject({ ...tenantsApi, body: body(uniqueName('free'), spec) }),
      (err) => {
        assert.equal(httpStatus(err), 422);
        assert.match(serverMessage(err), /a free-tier tenant may have at most 8 vCPU/);
        return true;
      },
    );
  });

  describe('Volume transition rules, enforced by the API server itself', () => {
    const namespace = 'default';
    const volumes = { group: 'omnicloud.io', version: 'v1alpha1', plural: 'volumes', namespace };
    const name = uniqueName('contract-vol');
    const patch = (spec: object) =>
      custom.patchNamespacedCustomObject(
        { ...volumes, name, body: { spec } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    const refusedWith = async (p: Promise<unknown>, expected: RegExp) =>
      assert.rejects(p, (err) => {
        assert.equal(httpStatus(err), 422);
        assert.match(serverMessage(err), expected);
        return true;
      });

    before(async () => {
      await custom.createNamespacedCustomObject({
        ...volumes,
        body: {
          apiVersion: 'omnicloud.io/v1alpha1',
          kind: 'Volume',
          metadata: { name },
          spec: { region: 'eu-west-1', zone: 'eu-west-1a', sizeGiB: 100 },
        },
      });
    });
    after(() => custom.deleteNamespacedCustomObject({ ...volumes, name }).catch(() => undefined));

    it('stores a Volume with its type defaulted, and lets it grow', async () => {
      const grown = (await patch({ sizeGiB: 150 })) as { spec: { type: string; sizeGiB: number } };
      assert.equal(grown.spec.type, 'standard');
      assert.equal(grown.spec.sizeGiB, 150);
    });

    it('refuses a shrink', () =>
      refusedWith(
        patch({ sizeGiB: 10 }),
        /spec\.sizeGiB: cannot shrink from 150 to 10 GiB: a volume can grow but never shrink/,
      ));

    it('refuses changing the zone or the type', async () => {
      await refusedWith(patch({ zone: 'eu-west-1b' }), /spec\.zone: is immutable \(was eu-west-1a\)/);
      await refusedWith(patch({ type: 'ssd' }), /spec\.type: is immutable \(was standard\)/);
    });

    it('refuses a size over 64 TiB', () =>
      refusedWith(
        custom.createNamespacedCustomObject({
          ...volumes,
          body: {
            apiVersion: 'omnicloud.io/v1alpha1',
            kind: 'Volume',
            metadata: { name: uniqueName('contract-big') },
            spec: { region: 'eu-west-1', zone: 'eu-west-1a', sizeGiB: 65537 },
          },
        }),
        /spec\.sizeGiB/,
      ));
  });
});
