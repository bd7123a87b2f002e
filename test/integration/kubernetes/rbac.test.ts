// RBAC of the real API server: a user with no grants is refused, and allowed once a RoleBinding exists.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { adminConfig, eventually, httpStatus, uniqueName, userConfig } from '../../support/kube.ts';

describe('RBAC on the local control plane', () => {
  const admin = adminConfig();
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  let ns: string;

  before(async () => {
    ns = uniqueName('it-rbac');
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });
  after(async () => {
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('refuses a user with no grants (403) and lets it in once a RoleBinding exists', async () => {
    const user = uniqueName('alice');
    const asUser = (await userConfig(user, ['omnicloud:testers'])).makeApiClient(k8s.CoreV1Api);

    await assert.rejects(asUser.listNamespacedConfigMap({ namespace: ns }), (err) => httpStatus(err) === 403);

    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'configmap-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'configmap-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      },
    });

    const list = await eventually('the RoleBinding to take effect', async () =>
      asUser.listNamespacedConfigMap({ namespace: ns }),
    );
    assert.ok(Array.isArray(list.items));
    // The grant is read-only and namespaced: writing, or reading elsewhere, is still refused.
    await assert.rejects(
      asUser.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'nope' } } }),
      (err) => httpStatus(err) === 403,
    );
    await assert.rejects(
      asUser.listNamespacedConfigMap({ namespace: 'default' }),
      (err) => httpStatus(err) === 403,
    );
  });

  it('grants by group as well as by user', async () => {
    const group = uniqueName('omnicloud:auditors');
    const asMember = (await userConfig(uniqueName('bob'), [group])).makeApiClient(k8s.CoreV1Api);
    await assert.rejects(asMember.listNamespacedSecret({ namespace: ns }), (err) => httpStatus(err) === 403);
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'group-view' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
      },
    });
    const pods = await eventually('the group binding to take effect', async () =>
      asMember.listNamespacedPod({ namespace: ns }),
    );
    assert.ok(Array.isArray(pods.items));
    // The built-in view role does not include Secrets.
    await assert.rejects(asMember.listNamespacedSecret({ namespace: ns }), (err) => httpStatus(err) === 403);
  });
});
