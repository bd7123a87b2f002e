// ManagedSecrets against the real stack, run by the real controller in this process: values written to
// OpenBao's KV v2 (from a Secret and generated), delivered to a Secret the ManagedSecret owns with the KV
// version as an annotation, a source change written as a new version, history kept to spec.history, and
// deletion that destroys every version (Delete) or leaves them (Orphan).
import assert from 'node:assert/strict';
import { charsets } from '../../../controllers/secret/value.ts';
import { condition } from '../../support/infra.ts';
import { eventually } from '../../support/kube.ts';
import { SecretHarness } from './harness.ts';

const versionOf = (s: { metadata?: { annotations?: Record<string, string> } } | undefined) =>
  Number(s?.metadata?.annotations?.['omnicloud.io/secret-version']);

describe('integration: ManagedSecret lifecycle in OpenBao', function () {
  this.timeout(120_000);
  const h = new SecretHarness('msec');
  const orphanPaths: string[] = [];

  before(() => h.start());
  after(async () => {
    await h.stop();
    for (const p of orphanPaths) await h.direct.destroy(p).catch(() => undefined);
  });

  it('writes a generated value to KV v2 under the tenant, delivers it to an owned Secret with its version, and shows no value', async () => {
    await h.create('db', { generate: { length: 40, charset: 'hex' }, history: 5 });
    const made = await h.ready('db');
    assert.equal(made.status?.version, 1);
    assert.equal(made.status?.secretName, 'db');
    assert.equal(made.status?.path, `omnicloud/${h.path('db')}`);
    assert.match(made.status?.createdAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(condition(made, 'Synced')?.status, 'True');
    assert.match(condition(made, 'Ready')!.message, /^version 1 is in the Vault API and in Secret db$/);

    const kv = await h.direct.readLatest(h.path('db'));
    assert.equal(kv?.version, 1);
    const value = kv!.data.value!;
    assert.equal(value.length, 40);
    assert.ok(
      [...value].every((c) => charsets.hex.includes(c)),
      'hex characters only',
    );
    const meta = await h.direct.metadata(h.path('db'));
    assert.equal(meta?.maxVersions, 5, 'spec.history is the secret metadata max_versions');
    assert.equal(meta?.customMetadata['omnicloud-uid'], made.metadata.uid);

    const target = await h.secret('db');
    assert.equal(await h.secretValue('db'), value);
    assert.equal(versionOf(target), 1);
    assert.equal(target?.metadata?.labels?.['app.kubernetes.io/managed-by'], 'omnicloud-operator');
    assert.deepEqual(
      target?.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
      [['ManagedSecret', 'db', made.metadata.uid, true]],
    );
    assert.ok(!JSON.stringify(made).includes(value), 'the object never holds the value');
  });

  it('copies a referenced Secret key, and writes a changed source as a new version that reaches the target', async () => {
    await h.putSource('app-src', 'password', 'first-source-value');
    await h.create('app', {
      source: { secretRef: { name: 'app-src', key: 'password' } },
      target: { name: 'app-creds', key: 'pw' },
    });
    const made = await h.ready('app');
    assert.equal(made.status?.secretName, 'app-creds');
    assert.equal(await h.secretValue('app-creds', 'pw'), 'first-source-value');
    assert.equal((await h.direct.readLatest(h.path('app')))?.data.value, 'first-source-value');

    await h.putSource('app-src', 'password', 'second-source-value');
    const changed = await h.ready('app', made.status!.version!);
    assert.equal(changed.status?.version, 2);
    assert.equal((await h.direct.readLatest(h.path('app')))?.data.value, 'second-source-value');
    await eventually('the target carries version 2', async () =>
      (await h.secretValue('app-creds', 'pw')) === 'second-source-value' &&
      versionOf(await h.secret('app-creds')) === 2
        ? true
        : undefined,
    );
    assert.equal(
      (await h.direct.readVersion(h.path('app'), 1))?.data.value,
      'first-source-value',
      'history kept',
    );
  });

  it('shows SourceMissing naming the Secret while the source is absent, and writes once it exists', async () => {
    await h.create('late', { source: { secretRef: { name: 'late-src', key: 'token' } } });
    const waiting = await h.waitFor(
      'late',
      'SourceMissing',
      (o) => condition(o, 'Ready')?.reason === 'SourceMissing',
    );
    assert.match(condition(waiting, 'Ready')!.message, new RegExp(`Secret ${h.ns}/late-src does not exist`));
    assert.equal(condition(waiting, 'Degraded')?.status, 'True');
    await h.putSource('late-src', 'token', 'arrived');
    await h.ready('late');
    assert.equal(await h.secretValue('late'), 'arrived');
  });

  it('delivers the Secret again when it is deleted by hand', async () => {
    const before = (await h.secretValue('db'))!;
    await h.kc
      .makeApiClient((await import('@kubernetes/client-node')).CoreV1Api)
      .deleteNamespacedSecret({ name: 'db', namespace: h.ns });
    await eventually(
      'db delivered again',
      async () => ((await h.secretValue('db')) === before ? true : undefined),
      30_000,
    );
  });

  it('keeps at most spec.history versions in OpenBao, and applies a changed history', async () => {
    await h.create('short', { generate: { length: 16 }, history: 2 });
    let seen = await h.ready('short');
    for (let i = 0; i < 3; i++) {
      await h.annotate('short', { 'omnicloud.io/rotate-at': `rotation-${i}` });
      seen = await h.ready('short', seen.status!.version!);
    }
    assert.equal(seen.status?.version, 4);
    const meta = await h.direct.metadata(h.path('short'));
    assert.equal(meta?.currentVersion, 4);
    assert.deepEqual(Object.keys(meta!.versions).sort(), ['3', '4'], 'only the last two versions are kept');
    await h.patch('short', { spec: { history: 3 } });
    await eventually(
      'max_versions 3',
      async () => ((await h.direct.metadata(h.path('short')))?.maxVersions === 3 ? true : undefined),
      30_000,
    );
  });

  it('destroys every version and the metadata on delete with deletionPolicy Delete', async () => {
    const uid = (await h.read('short'))!.metadata.uid!;
    await h.removeAndWait('short');
    assert.equal(await h.direct.metadata(h.path('short')), undefined, 'nothing left at the path');
    const { rows } = await h.pool.query<{ phase: string }>(
      'SELECT phase FROM managed_secrets WHERE uid = $1',
      [uid],
    );
    assert.equal(rows[0]?.phase, 'Deleted');
    await eventually(
      'the delivered Secret goes with it',
      async () => ((await h.secret('short')) ? undefined : true),
      30_000,
    );
  });

  it('leaves the value and its history in OpenBao with deletionPolicy Orphan', async () => {
    await h.create('kept', { generate: { length: 24 }, deletionPolicy: 'Orphan' });
    await h.ready('kept');
    const value = (await h.direct.readLatest(h.path('kept')))!.data.value;
    orphanPaths.push(h.path('kept'));
    await h.removeAndWait('kept');
    assert.equal((await h.direct.readLatest(h.path('kept')))?.data.value, value, 'the value stays');
  });
});
