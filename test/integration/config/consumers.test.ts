// Deployments that opt in with the omnicloud.io/config-set annotation get the ConfigSet's current hash on
// their pod template (so each new version rolls them); others in the namespace are left alone.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { configHashAnnotation } from '../../../controllers/config/configmap.ts';
import { consumerAnnotation } from '../../../controllers/config/consumers.ts';
import { eventually } from '../../support/kube.ts';
import { ConfigStack, readyAt } from './config-stack.ts';

describe('integration: ConfigSet consumers restarted on a change', function () {
  this.timeout(120_000);
  const stack = new ConfigStack();
  let ns: string;
  const apps = () => stack.kc.makeApiClient(k8s.AppsV1Api);

  const deployment = (name: string, follows?: string): k8s.V1Deployment => ({
    metadata: { name, ...(follows ? { annotations: { [consumerAnnotation]: follows } } : {}) },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
      },
    },
  });
  const templateHash = async (name: string) =>
    (await apps().readNamespacedDeployment({ namespace: ns, name })).spec?.template?.metadata?.annotations?.[
      configHashAnnotation
    ];

  before(async () => {
    await stack.open();
    ns = await stack.tenantNamespace('cfg-consumers');
    await stack.startController();
  });
  after(async () => stack.close());

  it('stamps the hash on the pod template of Deployments that follow the ConfigSet, and a new hash on a change', async () => {
    await apps().createNamespacedDeployment({ namespace: ns, body: deployment('follower', 'web') });
    await apps().createNamespacedDeployment({ namespace: ns, body: deployment('bystander') });
    await apps().createNamespacedDeployment({ namespace: ns, body: deployment('other', 'another-config') });
    await stack.create(ns, 'web', { data: { a: '1' } });
    const v1 = await stack.waitFor(ns, 'web', 'v1', readyAt(1));
    await eventually('the follower stamped with v1', async () =>
      (await templateHash('follower')) === v1.status?.currentHash ? true : undefined,
    );
    await stack.patchSpec(ns, 'web', { data: { a: '2' } });
    const v2 = await stack.waitFor(ns, 'web', 'v2', readyAt(2));
    assert.notEqual(v2.status?.currentHash, v1.status?.currentHash);
    await eventually('the follower stamped with v2', async () =>
      (await templateHash('follower')) === v2.status?.currentHash ? true : undefined,
    );
    assert.equal(await templateHash('bystander'), undefined);
    assert.equal(await templateHash('other'), undefined);
  });
});
