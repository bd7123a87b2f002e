// ConfigSets against the real API server and infra_db, with the controller running in this process: versions
// made on each change of content (and only then), delivered to a ConfigMap with their version and hash, a
// rollback as a new version with the old content, a ConfigMap edited or deleted behind our back put back,
// the deletion policies, and history that survives a restart (and a crash between the version and the write).
import assert from 'node:assert/strict';
import { configHashAnnotation, configVersionAnnotation } from '../../../controllers/config/configmap.ts';
import { contentHash, contentOf, desiredKey } from '../../../controllers/config/content.ts';
import { configSetSpecSchema } from '../../../crds/schemas/config-set.ts';
import { recordNewVersion, readConfigSet } from '../../../controllers/config/store.ts';
import { withTransaction } from '../../../controllers/db/transaction.ts';
import { eventually } from '../../support/kube.ts';
import { ConfigStack, conditionOf, readyAt } from './config-stack.ts';

describe('integration: ConfigSet versions and the consumer ConfigMap', function () {
  this.timeout(120_000);
  const stack = new ConfigStack();
  let ns: string;

  before(async () => {
    await stack.open();
    ns = await stack.tenantNamespace('cfg');
    await stack.startController();
  });
  after(async () => stack.close());

  const v1 = {
    data: { 'app.properties': 'color=blue', LOG_LEVEL: 'info' },
    flags: { checkout: { rollout: 10, allow: ['alice'], deny: ['mallory'] } },
  };

  it('makes version 1 with its hash and a ConfigMap holding data, flags, version and hash', async () => {
    const made = await stack.create(ns, 'app', v1);
    const shown = await stack.waitFor(ns, 'app', 'version 1 ready', readyAt(1));
    const hash = contentHash(contentOf(v1 as never));
    assert.equal(shown.status?.currentHash, hash);
    assert.equal(shown.status?.configMapName, 'app');
    assert.equal(shown.status?.phase, 'Synced');
    assert.match(
      conditionOf(shown, 'Ready')!.message,
      /^ConfigMap .+\/app holds version 1 \([0-9a-f]{12}\)$/,
    );
    const cm = (await stack.configMap(ns, 'app'))!;
    assert.equal(cm.data?.['app.properties'], 'color=blue');
    assert.deepEqual(JSON.parse(cm.data!['flags.json']!), {
      checkout: { allow: ['alice'], deny: ['mallory'], enabled: true, rollout: 10 },
    });
    assert.equal(cm.metadata?.annotations?.[configVersionAnnotation], '1');
    assert.equal(cm.metadata?.annotations?.[configHashAnnotation], hash);
    assert.equal(cm.metadata?.labels?.['app.kubernetes.io/managed-by'], 'omnicloud-operator');
    assert.deepEqual(
      cm.metadata?.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]),
      [['ConfigSet', made.metadata.uid, true]],
    );
    const history = await stack.versions(made.metadata.uid!);
    assert.deepEqual(
      history.map((h) => [h.version, h.hash, h.source]),
      [[1, hash, 'spec generation 1']],
    );
    const { rows } = await stack.pool.query<{ created_at: Date; tenant: string }>(
      'SELECT created_at, tenant FROM config_versions WHERE uid = $1',
      [made.metadata.uid],
    );
    assert.equal(rows[0]!.tenant, ns.slice('tenant-'.length));
    assert.ok(Math.abs(rows[0]!.created_at.getTime() - Date.now()) < 10 * 60_000, 'created_at is UTC now');
  });

  it('makes version 2 on a change, and the ConfigMap shows the new data, version and hash', async () => {
    await stack.patchSpec(ns, 'app', { data: { LOG_LEVEL: 'debug' } });
    const shown = await stack.waitFor(ns, 'app', 'version 2 ready', readyAt(2));
    const cm = (await stack.configMap(ns, 'app'))!;
    assert.equal(cm.data?.LOG_LEVEL, 'debug');
    assert.equal(cm.metadata?.annotations?.[configVersionAnnotation], '2');
    assert.equal(cm.metadata?.annotations?.[configHashAnnotation], shown.status?.currentHash);
    const history = await stack.versions(shown.metadata.uid!);
    assert.deepEqual(
      history.map((h) => h.version),
      [1, 2],
    );
    assert.notEqual(history[0]!.hash, history[1]!.hash);
  });

  it('makes no new version when the same content is applied again (lists reordered)', async () => {
    const before = (await stack.read(ns, 'app'))!;
    await stack.patchSpec(ns, 'app', { flags: { checkout: { allow: ['alice', 'alice'] } } });
    const after = await stack.waitFor(ns, 'app', 'the new generation seen', readyAt(2));
    assert.ok(after.metadata.generation! > before.metadata.generation!, 'the spec did change');
    assert.equal(after.status?.currentHash, before.status?.currentHash);
    assert.deepEqual(
      (await stack.versions(after.metadata.uid!)).map((h) => h.version),
      [1, 2],
    );
  });

  it('rolls back to version 1 as version 3 with the content of version 1', async () => {
    const before = (await stack.read(ns, 'app'))!;
    await stack.patchSpec(ns, 'app', { rollbackTo: 1 });
    const shown = await stack.waitFor(ns, 'app', 'version 3 ready', readyAt(3));
    const history = await stack.versions(before.metadata.uid!);
    assert.equal(history.length, 3);
    assert.equal(history[2]!.hash, history[0]!.hash);
    assert.deepEqual(history[2]!.content, history[0]!.content);
    assert.equal(history[2]!.source, 'rollback to version 1');
    assert.equal(shown.status?.currentHash, history[0]!.hash);
    assert.equal(shown.status?.rolledBackTo, 1);
    const cm = (await stack.configMap(ns, 'app'))!;
    assert.equal(cm.data?.LOG_LEVEL, 'info');
    assert.equal(cm.metadata?.annotations?.[configVersionAnnotation], '3');
  });

  it('shows a rollback to a version it does not have as VersionNotFound, and changes nothing', async () => {
    await stack.patchSpec(ns, 'app', { rollbackTo: 9 });
    const shown = await stack.waitFor(
      ns,
      'app',
      'VersionNotFound',
      (o) => conditionOf(o, 'Ready')?.reason === 'VersionNotFound',
    );
    assert.match(
      conditionOf(shown, 'Ready')!.message,
      /^spec\.rollbackTo: this ConfigSet has no version 9; its versions are 1 to 3$/,
    );
    assert.equal(conditionOf(shown, 'Degraded')?.status, 'True');
    assert.equal((await stack.configMap(ns, 'app'))?.metadata?.annotations?.[configVersionAnnotation], '3');
    await stack.patchSpec(ns, 'app', { rollbackTo: 1 });
    await stack.waitFor(ns, 'app', 'back at version 3', readyAt(3));
  });

  it('finds a ConfigMap edited behind its back as drift and puts it back', async () => {
    const obj = (await stack.read(ns, 'app'))!;
    const cm = (await stack.configMap(ns, 'app'))!;
    await stack.core.replaceNamespacedConfigMap({
      namespace: ns,
      name: 'app',
      body: { ...cm, data: { ...cm.data, LOG_LEVEL: 'trace', extra: 'added by hand' } },
    });
    await eventually('the ConfigMap put back', async () => {
      const now = await stack.configMap(ns, 'app');
      return now?.data?.LOG_LEVEL === 'info' && !('extra' in (now.data ?? {})) ? true : undefined;
    });
    const { rows } = await stack.pool.query<{ event: string; path: string | null }>(
      "SELECT event, path FROM drift_history WHERE uid = $1 AND kind = 'ConfigSet' ORDER BY id",
      [obj.metadata.uid],
    );
    const detected = rows.filter((r) => r.event === 'detected').map((r) => r.path);
    assert.ok(
      detected.some((p) => p?.includes('LOG_LEVEL')),
      JSON.stringify(rows),
    );
    assert.ok(
      detected.some((p) => p?.includes('extra')),
      JSON.stringify(rows),
    );
    assert.ok(
      rows.some((r) => r.event === 'remediated'),
      JSON.stringify(rows),
    );
    const shown = await stack.waitFor(
      ns,
      'app',
      'in sync again',
      (o) => conditionOf(o, 'Drifted')?.status === 'False',
    );
    assert.equal(shown.status?.currentVersion, 3, 'putting it back made no new version');
    assert.equal((await stack.versions(obj.metadata.uid!)).length, 3);
  });

  it('makes a deleted ConfigMap again with the same version', async () => {
    await stack.core.deleteNamespacedConfigMap({ namespace: ns, name: 'app' });
    const back = await eventually('the ConfigMap made again', async () => stack.configMap(ns, 'app'));
    assert.equal(back.metadata?.annotations?.[configVersionAnnotation], '3');
    assert.equal(back.data?.LOG_LEVEL, 'info');
    const obj = await stack.waitFor(ns, 'app', 'ready at 3', readyAt(3));
    assert.equal((await stack.versions(obj.metadata.uid!)).length, 3);
  });

  it('keeps history across a restart, and writes a version recorded just before a crash', async () => {
    await stack.stopController();
    const uid = (await stack.read(ns, 'app'))!.metadata.uid!;
    // The spec changes, and the operator dies right after recording version 4 for it (the intent, in one
    // transaction with the move to Applying) and before writing the ConfigMap. The row is locked throughout,
    // so an operator another test runs beside this one cannot record the change first.
    const content = await withTransaction(stack.pool, async (c) => {
      await c.query('SELECT 1 FROM config_sets WHERE uid = $1 FOR UPDATE', [uid]);
      await stack.patchSpec(ns, 'app', { rollbackTo: null, data: { LOG_LEVEL: 'warn' } });
      const obj = (await stack.read(ns, 'app'))!;
      const spec = configSetSpecSchema.parse(obj.spec);
      const row = (await readConfigSet(c, uid))!;
      assert.equal(row.phase, 'Synced');
      const made = contentOf(spec);
      await recordNewVersion(
        c,
        row,
        {
          hash: contentHash(made),
          content: made,
          generation: obj.metadata.generation,
          source: `spec generation ${obj.metadata.generation}`,
          desiredKey: desiredKey(spec),
        },
        new Date(),
      );
      return made;
    });
    const obj = (await stack.read(ns, 'app'))!;
    await stack.startController();
    const shown = await stack.waitFor(ns, 'app', 'version 4 written after the restart', readyAt(4));
    const cm = (await stack.configMap(ns, 'app'))!;
    assert.equal(cm.metadata?.annotations?.[configVersionAnnotation], '4');
    assert.equal(cm.data?.LOG_LEVEL, 'warn');
    assert.equal(shown.status?.currentHash, contentHash(content));
    assert.deepEqual(
      (await stack.versions(obj.metadata.uid!)).map((h) => h.version),
      [1, 2, 3, 4],
      'the recorded version was written, not made a second time',
    );
    await stack.patchSpec(ns, 'app', { data: { LOG_LEVEL: 'error' } });
    await stack.waitFor(ns, 'app', 'version 5 after the restart', readyAt(5));
    assert.equal((await stack.configMap(ns, 'app'))?.data?.LOG_LEVEL, 'error');
  });

  it('refuses to rewrite history', async () => {
    const obj = (await stack.read(ns, 'app'))!;
    await assert.rejects(
      stack.pool.query("UPDATE config_versions SET source = 'x' WHERE uid = $1", [obj.metadata.uid]),
      /append-only/,
    );
    await assert.rejects(
      stack.pool.query('DELETE FROM config_versions WHERE uid = $1', [obj.metadata.uid]),
      /append-only/,
    );
  });

  it('shows an edit as Drifted and leaves it when driftPolicy says alert', async () => {
    await stack.create(ns, 'watched', { data: { mode: 'a' }, driftPolicy: { default: 'alert' } });
    await stack.waitFor(ns, 'watched', 'ready', readyAt(1));
    const cm = (await stack.configMap(ns, 'watched'))!;
    await stack.core.replaceNamespacedConfigMap({
      namespace: ns,
      name: 'watched',
      body: { ...cm, data: { ...cm.data, mode: 'by-hand' } },
    });
    const shown = await stack.waitFor(
      ns,
      'watched',
      'Drifted',
      (o) => conditionOf(o, 'Drifted')?.status === 'True',
    );
    assert.match(conditionOf(shown, 'Drifted')!.message, /1 field differs from the spec .*mode/);
    assert.equal(conditionOf(shown, 'Ready')?.status, 'False');
    assert.equal(shown.status?.drift?.records[0]?.action, 'alert');
    assert.equal((await stack.configMap(ns, 'watched'))?.data?.mode, 'by-hand', 'left as it was edited');
    await stack.remove(ns, 'watched');
  });

  it('writes the first version and no later one under managementPolicy NoUpdate', async () => {
    const made = await stack.create(ns, 'frozen', { data: { v: '1' }, managementPolicy: 'NoUpdate' });
    await stack.waitFor(ns, 'frozen', 'ready', readyAt(1));
    assert.equal((await stack.configMap(ns, 'frozen'))?.data?.v, '1');
    await stack.patchSpec(ns, 'frozen', { data: { v: '2' } });
    const after = await stack.waitFor(ns, 'frozen', 'the change seen', (o) => o.status?.currentVersion === 1);
    assert.equal(after.metadata.generation, 2);
    assert.equal((await stack.configMap(ns, 'frozen'))?.data?.v, '1');
    assert.equal((await stack.versions(made.metadata.uid!)).length, 1);
    await stack.remove(ns, 'frozen');
  });

  it('shows InvalidSpec naming the field for a spec that got past admission, and writes nothing', async () => {
    // The API server's own rules cannot afford the allow/deny overlap; without the webhook it is admitted.
    const spec = { data: { a: '1' }, flags: { f: { allow: ['eve'], deny: ['eve'] } } };
    const admitted = await stack.create(ns, 'overlap', spec).then(
      () => true,
      (err: { body?: unknown }) => {
        // A webhook registered in this cluster refused it first, in the same words.
        assert.match(String(err.body), /spec\.flags\[f\]\.allow: eve is both allowed and denied/);
        return false;
      },
    );
    if (!admitted) return;
    const shown = await stack.waitFor(
      ns,
      'overlap',
      'InvalidSpec',
      (o) => conditionOf(o, 'Ready')?.reason === 'InvalidSpec',
    );
    assert.match(
      conditionOf(shown, 'Ready')!.message,
      /spec\.flags\[f\]\.allow: eve is both allowed and denied/,
    );
    assert.equal(await stack.configMap(ns, 'overlap'), undefined);
    assert.equal((await stack.versions(shown.metadata.uid!)).length, 0);
    await stack.remove(ns, 'overlap');
    await eventually('overlap gone', async () => ((await stack.read(ns, 'overlap')) ? undefined : true));
  });

  it('removes the ConfigMap with deletionPolicy Delete', async () => {
    await stack.remove(ns, 'app');
    await eventually('the ConfigSet gone', async () => ((await stack.read(ns, 'app')) ? undefined : true));
    assert.equal(await stack.configMap(ns, 'app'), undefined);
  });

  it('keeps the ConfigMap, without the owner reference, with deletionPolicy Orphan', async () => {
    const made = await stack.create(ns, 'kept', {
      data: { a: '1' },
      deletionPolicy: 'Orphan',
      configMapName: 'kept-config',
    });
    await stack.waitFor(ns, 'kept', 'ready', readyAt(1));
    await stack.remove(ns, 'kept');
    await eventually('the ConfigSet gone', async () => ((await stack.read(ns, 'kept')) ? undefined : true));
    const cm = await stack.configMap(ns, 'kept-config');
    assert.equal(cm?.data?.a, '1');
    assert.ok(!(cm?.metadata?.ownerReferences ?? []).some((r) => r.uid === made.metadata.uid));
    // History stays too, after the object is gone.
    assert.equal((await stack.versions(made.metadata.uid!)).length, 1);
    await stack.core.deleteNamespacedConfigMap({ namespace: ns, name: 'kept-config' });
  });
});
