// Concurrent writers of a Compute's status: a write based on a stale read fails with a conflict instead of
// overwriting what the other writer put there.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { computeResource } from '../../../controllers/compute/reconcile.ts';
import { writeStatus } from '../../../operator/status.ts';
import { adminConfig, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';
import { api, computeManifest, createNamespace, deleteNamespace, read } from '../../support/infra.ts';

describe('integration: Compute status writes are optimistic', function () {
  this.timeout(30_000);
  const kc = adminConfig();
  const ns = uniqueName('optimistic');

  before(async () => {
    installCrds();
    await createNamespace(kc, ns);
    await kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
      ...api,
      plural: 'computes',
      namespace: ns,
      body: computeManifest(ns, 'vm'),
    });
  });
  after(() => deleteNamespace(kc, ns));

  it("refuses a status write based on a stale read with 409, and keeps the other writer's status", async () => {
    const stale = (await read<k8s.KubernetesObject & { status?: object }>(kc, 'computes', ns, 'vm'))!;
    await writeStatus(
      kc,
      computeResource,
      stale,
      { phase: 'Pending', message: 'first writer' },
      { optimistic: true },
    );
    await assert.rejects(
      writeStatus(
        kc,
        computeResource,
        stale,
        { phase: 'Scheduled', message: 'second writer, stale' },
        { optimistic: true },
      ),
      (err: unknown) => (err as { code?: number }).code === 409,
    );
    const now = (await read<{ status?: { message?: string } }>(kc, 'computes', ns, 'vm'))!;
    assert.equal(now.status?.message, 'first writer');
  });
});
