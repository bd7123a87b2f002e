// ConfigSets across tenants, against the real API server and infra_db with the controller in-process: one
// tenant's history is never read for another (history is keyed by the object's uid and its tenant), a
// ConfigSet never writes outside its own namespace or over a ConfigMap it does not own, and keys or names
// with path parts are refused by the API server naming the field.
import assert from 'node:assert/strict';
import { readHistory, readVersion } from '../../controllers/config/store.ts';
import { configVersionAnnotation } from '../../controllers/config/configmap.ts';
import * as k8s from '@kubernetes/client-node';
import { roleBindingsFor, rolesFor } from '../../controllers/tenant/children.ts';
import type { Tenant } from '../../crds/schemas/tenant.ts';
import { api } from '../support/infra.ts';
import { eventually, httpStatus, uniqueName, userConfig } from '../support/kube.ts';
import { ConfigStack, conditionOf, readyAt } from '../integration/config/config-stack.ts';

describe('security: ConfigSet tenant isolation', function () {
  this.timeout(120_000);
  const stack = new ConfigStack();
  let nsA: string;
  let nsB: string;
  const tenantOf = (ns: string) => ns.slice('tenant-'.length);

  before(async () => {
    await stack.open();
    nsA = await stack.tenantNamespace('cfga');
    nsB = await stack.tenantNamespace('cfgb');
    await stack.startController();
  });
  after(async () => stack.close());

  it("cannot roll back to another tenant's version, nor read its history", async () => {
    const b = await stack.create(nsB, 'shared', { data: { owner: 'b', v: '1' } });
    await stack.waitFor(nsB, 'shared', 'v1', readyAt(1));
    for (const v of ['2', '3']) {
      await stack.patchSpec(nsB, 'shared', { data: { v } });
      await stack.waitFor(nsB, 'shared', `v${v}`, readyAt(Number(v)));
    }
    const a = await stack.create(nsA, 'shared', { data: { owner: 'a' } });
    await stack.waitFor(nsA, 'shared', 'v1', readyAt(1));

    await stack.patchSpec(nsA, 'shared', { rollbackTo: 3 });
    const refused = await stack.waitFor(
      nsA,
      'shared',
      'VersionNotFound',
      (o) => conditionOf(o, 'Ready')?.reason === 'VersionNotFound',
    );
    assert.match(conditionOf(refused, 'Ready')!.message, /has no version 3; its versions are 1 to 1/);
    const cmA = (await stack.configMap(nsA, 'shared'))!;
    assert.equal(cmA.data?.owner, 'a', "A's ConfigMap never holds B's content");
    assert.equal(cmA.metadata?.annotations?.[configVersionAnnotation], '1');

    // The store never answers for a uid under another tenant, even given the right uid and version.
    assert.equal(await readVersion(stack.pool, b.metadata.uid!, tenantOf(nsA), 1), undefined);
    assert.deepEqual(await readHistory(stack.pool, b.metadata.uid!, tenantOf(nsA)), []);
    assert.equal((await readHistory(stack.pool, b.metadata.uid!, tenantOf(nsB))).length, 3);
    assert.equal((await readHistory(stack.pool, a.metadata.uid!, tenantOf(nsA))).length, 1);
  });

  it("never writes a ConfigMap in another tenant's namespace, even one of the same name", async () => {
    const theirs = await stack.core.createNamespacedConfigMap({
      namespace: nsB,
      body: { metadata: { name: 'target' }, data: { mine: 'b' } },
    });
    await stack.create(nsA, 'aimer', { data: { x: '1' }, configMapName: 'target' });
    await stack.waitFor(nsA, 'aimer', 'v1', readyAt(1));
    assert.equal((await stack.configMap(nsA, 'target'))?.data?.x, '1');
    const after = (await stack.configMap(nsB, 'target'))!;
    assert.equal(
      after.metadata?.resourceVersion,
      theirs.metadata?.resourceVersion,
      "B's ConfigMap untouched",
    );
    assert.deepEqual(after.data, { mine: 'b' });
  });

  it('refuses a ConfigMap name with a namespace or path parts, and keys with path parts, naming the field', async () => {
    for (const name of ['tenant-b/x', '../x', 'x/..']) {
      await assert.rejects(stack.create(nsA, 'bad-name', { configMapName: name }), (err: Error) => {
        assert.match(String((err as { body?: unknown }).body ?? err.message), /spec\.configMapName/);
        assert.match(
          String((err as { body?: unknown }).body ?? err.message),
          /must be a ConfigMap name in this namespace/,
        );
        return true;
      });
    }
    for (const key of ['../x', 'a/b', '..', 'flags.json']) {
      await assert.rejects(stack.create(nsA, 'bad-key', { data: { [key]: 'v' } }), (err: Error) => {
        assert.match(String((err as { body?: unknown }).body ?? err.message), /spec\.data/, key);
        return true;
      });
    }
    assert.equal(await stack.read(nsA, 'bad-name'), undefined);
    assert.equal(await stack.read(nsA, 'bad-key'), undefined);
  });

  it('never overwrites or deletes a ConfigMap of its namespace that it does not own', async () => {
    const foreign = await stack.core.createNamespacedConfigMap({
      namespace: nsA,
      body: { metadata: { name: 'hand-made' }, data: { keep: 'me' } },
    });
    await stack.create(nsA, 'grabber', { data: { take: 'over' }, configMapName: 'hand-made' });
    const held = await stack.waitFor(
      nsA,
      'grabber',
      'ConfigMapNotOwned',
      (o) => conditionOf(o, 'Ready')?.reason === 'ConfigMapNotOwned',
    );
    assert.match(conditionOf(held, 'Ready')!.message, /is not this ConfigSet's .* it is left alone/);
    await stack.remove(nsA, 'grabber');
    await eventually('grabber gone', async () => ((await stack.read(nsA, 'grabber')) ? undefined : true));
    const still = (await stack.configMap(nsA, 'hand-made'))!;
    assert.equal(still.metadata?.resourceVersion, foreign.metadata?.resourceVersion);
    assert.deepEqual(still.data, { keep: 'me' });
  });

  it("gives a tenant's admin its own ConfigSets and none of another tenant's, nor their ConfigMaps", async () => {
    const alice = uniqueName('alice');
    const tenantA = {
      apiVersion: 'omnicloud.io/v1alpha1',
      kind: 'Tenant',
      metadata: { name: tenantOf(nsA), uid: '00000000-0000-4000-8000-000000000001' },
      spec: { admins: [{ kind: 'User', name: alice }], viewers: [] },
    } as unknown as Tenant;
    const rbac = stack.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    // The Tenant controller's own Roles and bindings, without the owner reference to a Tenant that is not there.
    for (const role of rolesFor(tenantA))
      await rbac.createNamespacedRole({
        namespace: nsA,
        body: { ...role, metadata: { ...role.metadata, ownerReferences: [] } },
      });
    for (const b of roleBindingsFor(tenantA))
      await rbac.createNamespacedRoleBinding({
        namespace: nsA,
        body: { ...b, metadata: { ...b.metadata, ownerReferences: [] } },
      });
    const kcAlice = await userConfig(alice);
    const custom = kcAlice.makeApiClient(k8s.CustomObjectsApi);
    const own = await eventually('alice reads her tenant ConfigSets', async () =>
      custom
        .listNamespacedCustomObject({ ...api, plural: 'configsets', namespace: nsA })
        .catch(() => undefined),
    );
    assert.ok((own as { items: unknown[] }).items.length > 0);
    const status = (p: Promise<unknown>) =>
      p.then(
        () => 200,
        (err: unknown) => httpStatus(err),
      );
    assert.equal(
      await status(custom.listNamespacedCustomObject({ ...api, plural: 'configsets', namespace: nsB })),
      403,
    );
    assert.equal(
      await status(
        custom.getNamespacedCustomObject({ ...api, plural: 'configsets', namespace: nsB, name: 'shared' }),
      ),
      403,
    );
    assert.equal(
      await status(
        custom.patchNamespacedCustomObject(
          { ...api, plural: 'configsets', namespace: nsB, name: 'shared', body: { spec: { rollbackTo: 1 } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        ),
      ),
      403,
    );
    const core = kcAlice.makeApiClient(k8s.CoreV1Api);
    assert.equal(await status(core.readNamespacedConfigMap({ namespace: nsB, name: 'shared' })), 403);
    assert.equal(
      await status(
        custom.createNamespacedCustomObject({
          ...api,
          plural: 'configsets',
          namespace: nsB,
          body: stack.manifest(nsB, 'intruder', { data: { a: '1' } }),
        }),
      ),
      403,
    );
  });
});
