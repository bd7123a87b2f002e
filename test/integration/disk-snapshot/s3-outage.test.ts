// A DiskSnapshot whose manifest cannot be written: the object store is unreachable (a real S3 client aimed at a
// port nothing listens on), so the snapshot taken at the provider waits in Creating with S3Unavailable naming
// the object store, and becomes Ready with its manifest once the store answers (the real S3 server). Nothing is
// taken twice at the provider. Run with flock /tmp/omnicloud-stack.lock.
import assert from 'node:assert/strict';
import * as Minio from 'minio';
import type { DiskSnapshot } from '../../../crds/schemas/disk-snapshot.ts';
import { s3ClientOptions } from '../../../controllers/backing/s3.ts';
import {
  manifestKey,
  s3ManifestStore,
  type ManifestStore,
} from '../../../controllers/disk-snapshot/manifest.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { freePort, installCrds } from '../../support/operator.ts';
import {
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
import { s3Endpoint, snapshotManifest, startHarness, type Harness } from './harness.ts';

const snapshots = 'disksnapshots' as InfraPlural;

describe('integration: DiskSnapshot while the object store is unreachable', function () {
  this.timeout(120_000);
  const kc = adminConfig();
  const tenant = uniqueName('snap-s3');
  const ns = `tenant-${tenant}`;
  let h: Harness;
  let reachable = false;
  let real: ManifestStore;

  before(async () => {
    installCrds();
    await createNamespace(kc, ns);
    const s3 = s3Endpoint();
    real = s3ManifestStore(new Minio.Client(s3ClientOptions(s3, s3)), s3.region);
    const down = s3ManifestStore(
      new Minio.Client(s3ClientOptions({ ...s3, endpoint: `http://127.0.0.1:${await freePort()}` }, s3)),
      s3.region,
    );
    // Both are real clients; which server the controller's writes reach is switched by the test.
    const now = () => (reachable ? real : down);
    h = await startHarness(kc, ns, {
      manifests: {
        put: (k, m) => now().put(k, m),
        remove: (k) => now().remove(k),
        get: (k) => now().get(k),
        location: (k) => real.location(k),
      },
    });
  });
  after(async () => {
    reachable = true;
    await remove(kc, snapshots, ns, 'snap');
    await remove(kc, 'volumes', ns, 'data');
    await eventually(
      'data gone',
      async () => ((await read(kc, 'volumes', ns, 'data')) ? undefined : true),
      30_000,
    ).catch(() => undefined);
    await h?.stop();
    await deleteNamespace(kc, ns);
  });

  it('waits with S3Unavailable, then is Ready with its manifest once the object store answers', async () => {
    await create(kc, volumeManifest(ns, 'data', { sizeGiB: 8 }));
    await create(kc, snapshotManifest(ns, 'snap', 'data'));
    const held = await waitFor<DiskSnapshot>(
      kc,
      snapshots,
      ns,
      'snap',
      'S3Unavailable',
      (s) => condition(s, 'Ready')?.reason === 'S3Unavailable',
    );
    assert.equal(held.status?.phase, 'Creating');
    assert.match(
      condition(held, 'Ready')!.message,
      /the object store \(S3\) could not keep the snapshot's manifest: .*omnicloud-snapshots/,
    );
    assert.deepEqual(
      [condition(held, 'Degraded')?.status, condition(held, 'Degraded')?.reason],
      ['True', 'S3Unavailable'],
    );

    reachable = true;
    const ready = await waitFor<DiskSnapshot>(
      kc,
      snapshots,
      ns,
      'snap',
      'Ready',
      (s) => condition(s, 'Ready')?.status === 'True',
    );
    assert.equal(condition(ready, 'Degraded')?.status, 'False');
    assert.equal(
      (await real.get(manifestKey(tenant, ready.metadata.uid!)))?.snapshot.providerId,
      ready.status!.providerId,
    );
    const taken = (await h.provider.listSnapshots({ region: 'eu-west-1' })).items;
    assert.equal(taken.length, 1, 'one snapshot at the provider, however often the manifest was tried');
  });
});
