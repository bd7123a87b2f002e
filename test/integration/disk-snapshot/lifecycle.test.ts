// DiskSnapshots against the real API server, infra_db and S3 server, with the real Volume and DiskSnapshot
// controllers (harness.ts): a snapshot of a Volume becomes Ready with its manifest in the object store, a
// Volume is restored from it (another zone of the region, larger), a restore too small or from a snapshot that
// is not there waits saying why, deleting the snapshot removes it at the provider and its manifest, and
// deletionPolicy Orphan keeps both. Run with flock /tmp/omnicloud-stack.lock.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import type { DiskSnapshot } from '../../../crds/schemas/disk-snapshot.ts';
import type { Volume } from '../../../crds/schemas/volume.ts';
import { manifestKey } from '../../../controllers/disk-snapshot/manifest.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';
import {
  api,
  condition,
  create,
  createNamespace,
  deleteNamespace,
  read,
  remove,
  volumeManifest,
  waitFor,
  type InfraPlural,
} from '../../support/infra.ts';
import { snapshotManifest, startHarness, type Harness } from './harness.ts';

const snapshots = 'disksnapshots' as InfraPlural;

const ready = (s: DiskSnapshot) => s.status?.phase === 'Ready' && condition(s, 'Ready')?.status === 'True';
const available = (v: Volume) => v.status?.phase === 'Available' && condition(v, 'Ready')?.status === 'True';

describe('integration: DiskSnapshot of a Volume, restore, delete and orphan', function () {
  this.timeout(180_000);
  const kc = adminConfig();
  const tenant = uniqueName('snap');
  const ns = `tenant-${tenant}`;
  let h: Harness;
  const gone = (plural: InfraPlural, name: string) =>
    eventually(
      `${plural} ${name} gone`,
      async () => ((await read(kc, plural, ns, name)) ? undefined : true),
      60_000,
    );

  before(async () => {
    installCrds();
    await createNamespace(kc, ns);
    h = await startHarness(kc, ns);
  });
  after(async () => {
    for (const n of ['snap', 'kept', 'early', 'restored', 'small', 'orphan-src'])
      await remove(kc, snapshots, ns, n);
    for (const n of ['data', 'restored', 'small', 'nowhere', 'later']) await remove(kc, 'volumes', ns, n);
    await eventually(
      'all gone',
      async () => {
        const left = await Promise.all([
          ...['snap', 'kept', 'early'].map((n) => read(kc, snapshots, ns, n)),
          ...['data', 'restored', 'small', 'nowhere', 'later'].map((n) => read(kc, 'volumes', ns, n)),
        ]);
        return left.every((o) => !o) ? true : undefined;
      },
      60_000,
    ).catch(() => undefined);
    await h?.stop();
    await deleteNamespace(kc, ns);
  });

  let snap: DiskSnapshot;
  it('takes a snapshot of a Volume: Ready with its size, provider id, time taken and source, and a manifest in S3', async () => {
    await create(kc, volumeManifest(ns, 'data', { sizeGiB: 20 }));
    const vol = await waitFor<Volume>(kc, 'volumes', ns, 'data', 'Available', available);
    const before = Date.now();
    await create(kc, snapshotManifest(ns, 'snap', 'data'));
    snap = await waitFor<DiskSnapshot>(kc, snapshots, ns, 'snap', 'Ready', ready);
    const st = snap.status!;
    assert.equal(st.sizeGiB, 20);
    assert.match(st.providerId!, /^snap-/);
    assert.deepEqual(st.sourceVolume, {
      name: 'data',
      providerId: vol.status!.providerId,
      zone: 'eu-west-1a',
    });
    assert.ok(st.createdAt!.endsWith('Z') && Date.parse(st.createdAt!) >= before - 2_000);
    assert.equal(st.manifest, `s3://omnicloud-snapshots/${manifestKey(tenant, snap.metadata.uid!)}`);
    assert.match(
      condition(snap, 'Ready')!.message,
      /^20 GiB snapshot of volume data taken in eu-west-1a at /,
    );
    assert.equal(condition(snap, 'Degraded')?.status, 'False');
    assert.equal((await h.provider.getSnapshot(st.providerId!))?.state, 'available');

    const manifest = await h.manifests.get(manifestKey(tenant, snap.metadata.uid!));
    assert.ok(manifest, 'the manifest is in the object store');
    assert.equal(manifest.tenant, tenant);
    assert.deepEqual(manifest.snapshot, {
      namespace: ns,
      name: 'snap',
      uid: snap.metadata.uid,
      providerId: st.providerId,
    });
    assert.equal(manifest.source.volume, 'data');
    assert.equal(manifest.source.providerId, vol.status!.providerId);
    assert.equal(manifest.source.spec?.sizeGiB, 20);
    assert.equal(manifest.source.spec?.type, 'ssd');
    assert.deepEqual(
      [manifest.sizeGiB, manifest.zone, manifest.region, manifest.createdAt],
      [20, 'eu-west-1a', 'eu-west-1', st.createdAt],
    );
  });

  it('records each transition with its event on the snapshot topic, once', async () => {
    const { rows } = await h.pool.query<{ to: string; size: number | null }>(
      `SELECT event->'data'->>'to' AS to, (event->'data'->>'sizeGiB')::int AS size FROM outbox
        WHERE key = $1 AND topic = 'omnicloud.snapshot.events' ORDER BY seq`,
      [snap.metadata.uid],
    );
    assert.deepEqual(
      rows.map((r) => `${r.to}:${r.size ?? '-'}`),
      ['Pending:-', 'Creating:-', 'Ready:20'],
    );
  });

  it('restores a Volume from the snapshot in another zone of the region, larger, showing its size and source', async () => {
    await create(
      kc,
      volumeManifest(ns, 'restored', { sizeGiB: 30, zone: 'eu-west-1b', source: { diskSnapshot: 'snap' } }),
    );
    const vol = await waitFor<Volume>(kc, 'volumes', ns, 'restored', 'Available', available);
    assert.equal(vol.status?.sizeGiB, 30);
    assert.deepEqual(vol.status?.restoredFrom, { diskSnapshot: 'snap', providerId: snap.status!.providerId });
    const atProvider = await h.provider.getVolume(vol.status!.providerId!);
    assert.deepEqual(
      [atProvider?.sourceSnapshot, atProvider?.sizeGiB, atProvider?.zone],
      [snap.status!.providerId, 30, 'eu-west-1b'],
    );
  });

  it('holds a restore smaller than the snapshot, naming the size it needs', async () => {
    await create(kc, volumeManifest(ns, 'small', { sizeGiB: 10, source: { diskSnapshot: 'snap' } }));
    const held = await waitFor<Volume>(
      kc,
      'volumes',
      ns,
      'small',
      'held',
      (v) => condition(v, 'Ready')?.reason === 'InvalidSpec',
    );
    assert.match(
      condition(held, 'Ready')!.message,
      /disk snapshot snap holds 20 GiB; a volume restored from it needs at least 20 GiB, not 10/,
    );
    assert.equal(held.status?.phase, 'Pending');
    assert.equal(held.status?.providerId, undefined, 'nothing created at the provider');
  });

  it('holds a restore from a snapshot that does not exist with WaitingForSnapshot', async () => {
    await create(kc, volumeManifest(ns, 'nowhere', { sizeGiB: 10, source: { diskSnapshot: 'no-such' } }));
    const held = await waitFor<Volume>(
      kc,
      'volumes',
      ns,
      'nowhere',
      'waiting',
      (v) => condition(v, 'Ready')?.reason === 'WaitingForSnapshot',
    );
    assert.match(condition(held, 'Ready')!.message, /disk snapshot no-such does not exist in/);
  });

  it('refuses to change the volume a snapshot is of, or the snapshot a volume was restored from (CEL)', async () => {
    const patch = (plural: string, name: string, spec: object) =>
      kc
        .makeApiClient(k8s.CustomObjectsApi)
        .patchNamespacedCustomObject(
          { ...api, plural, namespace: ns, name, body: { spec } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
    await assert.rejects(
      patch('disksnapshots', 'snap', { source: { volume: 'other' } }),
      /spec.source.volume: is immutable \(was data\)/,
    );
    await assert.rejects(
      patch('volumes', 'restored', { source: { diskSnapshot: 'other' } }),
      /spec.source is immutable/,
    );
  });

  it('waits for a volume that does not exist yet, and takes the snapshot once it is available', async () => {
    await create(kc, snapshotManifest(ns, 'early', 'later'));
    const waiting = await waitFor<DiskSnapshot>(
      kc,
      snapshots,
      ns,
      'early',
      'VolumeNotFound',
      (s) => condition(s, 'Ready')?.reason === 'VolumeNotFound',
    );
    assert.match(condition(waiting, 'Ready')!.message, /volume later does not exist in/);
    await create(kc, volumeManifest(ns, 'later', { sizeGiB: 5 }));
    const taken = await waitFor<DiskSnapshot>(kc, snapshots, ns, 'early', 'Ready', ready, 90_000);
    assert.equal(taken.status?.sizeGiB, 5);
  });

  it('deletes the snapshot at the provider and its manifest before the object goes (deletionPolicy Delete)', async () => {
    await remove(kc, 'volumes', ns, 'small');
    await remove(kc, 'volumes', ns, 'restored');
    await remove(kc, snapshots, ns, 'snap');
    await gone(snapshots, 'snap');
    assert.equal((await h.provider.getSnapshot(snap.status!.providerId!))?.state, 'deleted');
    assert.equal(
      await h.manifests.get(manifestKey(tenant, snap.metadata.uid!)),
      undefined,
      'the manifest is gone',
    );
    const { rows } = await h.pool.query<{ phase: string }>(
      'SELECT phase FROM disk_snapshots WHERE uid = $1',
      [snap.metadata.uid],
    );
    assert.equal(rows[0]?.phase, 'Deleted');
  });

  it('keeps the snapshot and its manifest when deleted with deletionPolicy Orphan', async () => {
    await create(kc, snapshotManifest(ns, 'kept', 'data', { deletionPolicy: 'Orphan' }));
    const kept = await waitFor<DiskSnapshot>(kc, snapshots, ns, 'kept', 'Ready', ready);
    await remove(kc, snapshots, ns, 'kept');
    await gone(snapshots, 'kept');
    const key = manifestKey(tenant, kept.metadata.uid!);
    try {
      assert.equal((await h.provider.getSnapshot(kept.status!.providerId!))?.state, 'available');
      assert.equal((await h.manifests.get(key))?.snapshot.providerId, kept.status!.providerId);
    } finally {
      await h.manifests.remove(key);
    }
  });
});
