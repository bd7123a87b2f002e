// `npm run state:snapshot` against the stack: a tenant's objects (spec, labels, annotations, status) and its
// infra_db rows land in the operator's bucket as a gzip snapshot with its marker, and no secret value with
// them; list shows it; a dry-run restore prints create/update/unchanged and changes nothing; a restore puts
// back a deleted object and changed labels by server-side apply with its own field manager, and leaves an
// object the snapshot does not have.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import { decodeSnapshot, type SnapshotManifest } from '../../../controllers/state-snapshot/document.ts';
import { dataKey, markerKey, snapshotBucket } from '../../../controllers/state-snapshot/keys.ts';
import { restoreFieldManager } from '../../../controllers/state-snapshot/restore.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { migratedPool } from '../../support/databases.ts';
import { api, create, createNamespace, deleteNamespace, volumeManifest } from '../../support/infra.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';
import { operatorS3Keys, s3Client } from '../../support/s3.ts';
import { objectBytes, removeTenantSnapshots, stateSnapshotCli } from './support.ts';

describe('integration: npm run state:snapshot', function () {
  this.timeout(180_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const tenant = uniqueName('ssc');
  const ns = `tenant-${tenant}`;
  const s3 = s3Client();
  const rowUid = randomUUID();
  let infra: pg.Pool;
  let id = '';

  const readVolume = async (name: string) =>
    (await custom
      .getNamespacedCustomObject({ ...api, plural: 'volumes', namespace: ns, name })
      .catch(() => undefined)) as
      (k8s.KubernetesObject & { spec: { sizeGiB: number }; metadata: k8s.V1ObjectMeta }) | undefined;

  before(async () => {
    installCrds();
    infra = await migratedPool('infra_db');
    await createNamespace(kc, ns);
    await create(kc, {
      ...volumeManifest(ns, 'data', { sizeGiB: 20 }),
      metadata: { name: 'data', namespace: ns, labels: { team: 'db' }, annotations: { note: 'primary' } },
    });
    await create(kc, volumeManifest(ns, 'logs', { sizeGiB: 5 }));
    await custom.patchNamespacedCustomObjectStatus(
      {
        ...api,
        plural: 'volumes',
        namespace: ns,
        name: 'data',
        body: { status: { phase: 'Available', sizeGiB: 20 } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await infra.query(
      `INSERT INTO volumes (uid, namespace, name, region, zone, type, size_gib, requested_gib, phase, provider_id)
       VALUES ($1, $2, 'data', 'eu-west-1', 'eu-west-1a', 'ssd', 20, 20, 'Available', 'vol-test')`,
      [rowUid, ns],
    );
  });
  after(async () => {
    await infra?.query('DELETE FROM volumes WHERE uid = $1', [rowUid]);
    await infra?.end();
    await deleteNamespace(kc, ns);
    await removeTenantSnapshots(s3, tenant);
  });

  it('takes a snapshot: data and marker in the bucket, objects and rows in it, server fields and secrets not', async () => {
    const r = await stateSnapshotCli(['--tenant', tenant]);
    assert.equal(r.code, 0, r.stderr);
    const m = /^snapshot (\S+) of (\S+): 2 objects, (\d+) rows, (\d+) bytes at (\S+)$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    id = m[1]!;
    assert.equal(m[2], tenant);

    const manifest = JSON.parse(
      (await objectBytes(s3, markerKey(tenant, id))).toString(),
    ) as SnapshotManifest;
    assert.equal(manifest.dataKey, dataKey(tenant, id));
    const data = await objectBytes(s3, manifest.dataKey);
    assert.equal(data.length, manifest.sizeBytes);
    const snap = decodeSnapshot(data);
    assert.equal(snap.tenant, tenant);
    assert.deepEqual(snap.namespaces, [ns]);
    const vol = snap.objects.find((o) => o.metadata.name === 'data')!;
    const spec = vol.spec as Record<string, unknown>;
    assert.deepEqual(
      [spec.region, spec.zone, spec.sizeGiB, spec.type],
      ['eu-west-1', 'eu-west-1a', 20, 'ssd'],
    );
    assert.deepEqual(vol.metadata, {
      name: 'data',
      namespace: ns,
      labels: { team: 'db' },
      annotations: { note: 'primary' },
    });
    assert.deepEqual(vol.status, { phase: 'Available', sizeGiB: 20 });
    // An operator running against the stack may add rows of its own for these Volumes; ours is there.
    const row = snap.tables.volumes?.find((v) => v.uid === rowUid);
    assert.deepEqual([row?.size_gib, row?.provider_id, row?.namespace], [20, 'vol-test', ns]);
    assert.ok(
      Object.values(snap.tables)
        .flat()
        .every((v) => JSON.stringify(v).includes(ns) || 'network_uid' in v),
    );
    const text = data.toString('latin1') + JSON.stringify(snap);
    for (const secret of [operatorS3Keys().secretKey, endpoints().vault.secretId ?? 'none-set']) {
      assert.ok(!text.includes(secret), 'no credential in the snapshot');
    }
    assert.ok(!JSON.stringify(snap.objects).includes('resourceVersion'));
    assert.ok(!JSON.stringify(snap.objects).includes('managedFields'));
  });

  it('lists the snapshot with its time, counts and size', async () => {
    const r = await stateSnapshotCli(['list', '--tenant', tenant, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as SnapshotManifest[];
    assert.deepEqual(
      list.map((m) => [m.id, m.objectCount]),
      [[id, 2]],
    );
    assert.ok(list[0]!.rowCount >= 1);
    assert.match(list[0]!.takenAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('prints the plan on a dry run and applies nothing', async () => {
    await custom.deleteNamespacedCustomObject({ ...api, plural: 'volumes', namespace: ns, name: 'logs' });
    // Gone at once, whether or not an operator on the stack put its finalizer on it.
    await custom
      .patchNamespacedCustomObject(
        { ...api, plural: 'volumes', namespace: ns, name: 'logs', body: { metadata: { finalizers: null } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(() => undefined);
    await eventually('logs gone', async () => ((await readVolume('logs')) ? undefined : true));
    await custom.patchNamespacedCustomObject(
      {
        ...api,
        plural: 'volumes',
        namespace: ns,
        name: 'data',
        body: { metadata: { labels: { team: null }, annotations: { note: 'moved' } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await create(kc, volumeManifest(ns, 'scratch', { sizeGiB: 1 }));
    const r = await stateSnapshotCli(['restore', '--tenant', tenant, '--id', id, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^update +Volume ${ns}/data \\(labels, annotations\\)$`, 'm'));
    assert.match(r.stdout, new RegExp(`^create +Volume ${ns}/logs$`, 'm'));
    assert.match(r.stdout, new RegExp(`^kept +Volume ${ns}/scratch`, 'm'));
    assert.match(r.stdout, /^1 to create, 1 to update, 0 unchanged$/m);
    assert.match(r.stdout, /dry run: nothing applied/);
    assert.equal((await readVolume('data'))?.metadata.annotations?.note, 'moved', 'unchanged by a dry run');
    assert.equal(await readVolume('logs'), undefined, 'not created by a dry run');
  });

  it('restores the deleted object and the changed labels and annotations, and leaves the object the snapshot lacks', async () => {
    const r = await stateSnapshotCli(['restore', '--tenant', tenant, '--id', id]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /applied 2, refused 0/);
    const data = await readVolume('data');
    assert.equal(data?.spec.sizeGiB, 20);
    assert.equal(data?.metadata.labels?.team, 'db');
    assert.equal(data?.metadata.annotations?.note, 'primary');
    assert.equal((await readVolume('logs'))?.spec.sizeGiB, 5);
    assert.ok(await readVolume('scratch'), 'left alone');
    assert.ok(
      data?.metadata.managedFields?.some((f) => f.manager === restoreFieldManager && f.operation === 'Apply'),
      'applied by our field manager',
    );
    const again = await stateSnapshotCli(['restore', '--tenant', tenant, '--id', id, '--dry-run']);
    assert.match(again.stdout, /^0 to create, 0 to update, 2 unchanged$/m);
  });

  it('says so for an unknown snapshot, a malformed id and a tenant with no namespace', async () => {
    const unknown = await stateSnapshotCli([
      'restore',
      '--tenant',
      tenant,
      '--id',
      '20200101T000000000Z-00000000',
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, new RegExp(`no snapshot 20200101T000000000Z-00000000 of tenant ${tenant}`));
    const malformed = await stateSnapshotCli(['restore', '--tenant', tenant, '--id', '../x']);
    assert.equal(malformed.code, 64);
    assert.match(malformed.stderr, /--id must be a snapshot id/);
    const nobody = await stateSnapshotCli(['--tenant', `${tenant}-gone`]);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /has no namespace/);
    assert.equal(await s3.bucketExists(snapshotBucket), true);
  });
});
