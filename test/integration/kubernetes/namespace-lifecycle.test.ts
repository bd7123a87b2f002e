// The namespace controller of the real control plane: a deleted namespace and its contents really go away.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { adminConfig, eventually, httpStatus, uniqueName } from '../../support/kube.ts';

describe('kube-apiserver and kube-controller-manager', () => {
  const core = adminConfig().makeApiClient(k8s.CoreV1Api);

  it('creates a namespace and a ConfigMap, and deleting the namespace removes both', async () => {
    const ns = uniqueName('it-ns');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'settings' }, data: { region: 'eu-west-1' } },
    });
    const cm = await core.readNamespacedConfigMap({ namespace: ns, name: 'settings' });
    assert.equal(cm.data?.region, 'eu-west-1');

    await core.deleteNamespace({ name: ns });
    const phase = (await core.readNamespace({ name: ns }).catch(() => undefined))?.status?.phase;
    assert.ok(phase === undefined || phase === 'Terminating', `unexpected phase ${phase}`);

    const gone = await eventually('the namespace to be deleted by the namespace controller', async () => {
      try {
        await core.readNamespace({ name: ns });
        return undefined;
      } catch (err) {
        return httpStatus(err) === 404 ? true : undefined;
      }
    });
    assert.equal(gone, true);
    await assert.rejects(
      core.readNamespacedConfigMap({ namespace: ns, name: 'settings' }),
      (err) => httpStatus(err) === 404,
    );
  });

  it('garbage-collects an object whose owner is deleted', async () => {
    const ns = uniqueName('it-gc');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    try {
      const owner = await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'owner' } },
      });
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: {
          metadata: {
            name: 'dependent',
            ownerReferences: [
              { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! },
            ],
          },
        },
      });
      await core.deleteNamespacedConfigMap({ namespace: ns, name: 'owner' });
      await eventually('the dependent ConfigMap to be garbage-collected', async () => {
        try {
          await core.readNamespacedConfigMap({ namespace: ns, name: 'dependent' });
          return undefined;
        } catch (err) {
          return httpStatus(err) === 404 ? true : undefined;
        }
      });
    } finally {
      await core.deleteNamespace({ name: ns }).catch(() => undefined);
    }
  });
});
