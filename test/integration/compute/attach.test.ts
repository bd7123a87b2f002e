// Volumes attached to Computes (spec.volumes) against the real API server and infra_db, with the real Network,
// Compute and Volume controllers run in the test (test/integration/disk-snapshot/harness.ts) on a simulator of
// the test's own: an attachment shown in both statuses and at the provider, a second writer refused naming the
// holder and served once the holder lets go, a volume of another zone shown as a condition, a Volume deleted
// while attached waiting for its Compute, and a Compute's volumes detached before its instance is deleted.
// Run with flock /tmp/omnicloud-stack.lock.
import assert from 'node:assert/strict';
import type { Compute } from '../../../crds/schemas/compute.ts';
import type { Volume } from '../../../crds/schemas/volume.ts';
import { computeController } from '../../../controllers/compute/reconcile.ts';
import { ProviderPlacement } from '../../../controllers/compute/placement.ts';
import { networkController } from '../../../controllers/network/reconcile.ts';
import pino from 'pino';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';
import {
  computeManifest,
  condition,
  create,
  createNamespace,
  deleteNamespace,
  networkManifest,
  patchSpec,
  read,
  remove,
  removeInfra,
  volumeManifest,
  waitFor,
} from '../../support/infra.ts';
import { startHarness, type Harness } from '../disk-snapshot/harness.ts';

const running = (c: Compute) => c.status?.phase === 'Running';
const ready = (c: Compute) => running(c) && condition(c, 'Ready')?.status === 'True';
const available = (v: Volume) => v.status?.phase === 'Available';

describe('integration: Compute volume attachment', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const ns = `tenant-${uniqueName('attach')}`;
  let h: Harness;

  before(async () => {
    installCrds();
    await createNamespace(kc, ns);
    h = await startHarness(kc, ns, {
      extra: async (base) => {
        const placement = new ProviderPlacement(base.provider, base.pool, pino({ level: 'silent' }));
        await placement.refresh();
        return [
          networkController({ pool: base.pool, provider: base.provider, observeIntervalMs: 1_000 }),
          computeController({
            pool: base.pool,
            provider: base.provider,
            placement,
            observeIntervalMs: 1_000,
            volume: base.volume,
          }),
        ] as never[];
      },
    });
    await create(kc, networkManifest(ns, 'net'));
    for (const [name, zone] of [
      ['data', 'eu-west-1a'],
      ['far', 'eu-west-1b'],
    ] as const)
      await create(kc, volumeManifest(ns, name, { zone, sizeGiB: 10 }));
  });
  after(async () => {
    await removeInfra(kc, ns, ['web', 'db', 'other', 'kept'], ['net'], ['data', 'far']);
    await h?.stop();
    await deleteNamespace(kc, ns);
  });

  const providerIdOf = async (plural: 'volumes' | 'computes', name: string) =>
    (await read<{ status?: { providerId?: string } }>(kc, plural, ns, name))!.status!.providerId!;

  it('attaches a volume of the same zone: shown in the Compute and Volume statuses and at the provider', async () => {
    await waitFor<Volume>(kc, 'volumes', ns, 'data', 'Available', available);
    await create(kc, computeManifest(ns, 'web', { volumes: [{ name: 'data' }] }));
    const web = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'web',
      'Ready with data attached',
      (c) => ready(c) && c.status?.volumes?.[0]?.attached === true,
      90_000,
    );
    assert.deepEqual(web.status?.volumes, [{ name: 'data', attached: true }]);
    const vol = await waitFor<Volume>(
      kc,
      'volumes',
      ns,
      'data',
      'attachedTo web',
      (v) => v.status?.attachedTo === 'web',
    );
    assert.equal((await h.provider.getVolume(vol.status!.providerId!))?.attachedTo, web.status!.providerId);
  });

  it('refuses a second writer with VolumeInUse naming the Compute that holds the volume', async () => {
    await create(kc, computeManifest(ns, 'db', { volumes: [{ name: 'data' }] }));
    const db = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'db',
      'VolumeInUse',
      (c) => running(c) && condition(c, 'Ready')?.reason === 'VolumeInUse',
      90_000,
    );
    assert.equal(condition(db, 'Ready')?.status, 'False');
    assert.match(
      condition(db, 'Ready')!.message,
      /volume data is attached to Compute web \(a volume has one writer\); remove it from that Compute's spec.volumes first/,
    );
    assert.deepEqual(db.status?.volumes, [{ name: 'data', attached: false }]);
    assert.equal(
      (await h.provider.getVolume(await providerIdOf('volumes', 'data')))?.attachedTo,
      await providerIdOf('computes', 'web'),
    );
  });

  it('shows a volume of another zone as VolumeInOtherZone, naming both zones, and attaches nothing', async () => {
    await waitFor<Volume>(kc, 'volumes', ns, 'far', 'Available', available);
    await create(kc, computeManifest(ns, 'other', { volumes: [{ name: 'far' }] }));
    const other = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'other',
      'VolumeInOtherZone',
      (c) => running(c) && condition(c, 'Ready')?.reason === 'VolumeInOtherZone',
      90_000,
    );
    assert.match(
      condition(other, 'Ready')!.message,
      /volume far is in zone eu-west-1b and this instance in eu-west-1a/,
    );
    assert.equal((await h.provider.getVolume(await providerIdOf('volumes', 'far')))?.attachedTo, undefined);
  });

  it('detaches a volume removed from spec.volumes, after which the waiting Compute gets it', async () => {
    await patchSpec(kc, 'computes', ns, 'web', { volumes: [] });
    const web = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'web',
      'nothing attached',
      (c) => ready(c) && !c.status?.volumes,
    );
    assert.equal(web.status?.volumes, undefined);
    const db = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'db',
      'data attached',
      (c) => ready(c) && c.status?.volumes?.[0]?.attached === true,
      60_000,
    );
    await waitFor<Volume>(kc, 'volumes', ns, 'data', 'attachedTo db', (v) => v.status?.attachedTo === 'db');
    assert.equal(
      (await h.provider.getVolume(await providerIdOf('volumes', 'data')))?.attachedTo,
      db.status!.providerId,
    );
  });

  it('holds the deletion of an attached Volume with VolumeAttached naming its Compute', async () => {
    await remove(kc, 'volumes', ns, 'data');
    const held = await waitFor<Volume>(
      kc,
      'volumes',
      ns,
      'data',
      'VolumeAttached',
      (v) => condition(v, 'Ready')?.reason === 'VolumeAttached',
    );
    assert.match(
      condition(held, 'Ready')!.message,
      /the volume is attached to Compute db; it is deleted once detached/,
    );
    assert.equal((await h.provider.getVolume(held.status!.providerId!))?.state, 'available');
  });

  it("detaches a Compute's volumes before its instance is deleted, and the waiting Volume then goes", async () => {
    const db = (await read<Compute>(kc, 'computes', ns, 'db'))!;
    const volumeId = await providerIdOf('volumes', 'data');
    await remove(kc, 'computes', ns, 'db');
    await eventually(
      'db gone',
      async () => ((await read(kc, 'computes', ns, 'db')) ? undefined : true),
      60_000,
    );
    await eventually(
      'data gone',
      async () => ((await read(kc, 'volumes', ns, 'data')) ? undefined : true),
      60_000,
    );
    assert.equal((await h.provider.getVolume(volumeId))?.state, 'deleted');
    const { rows } = await h.pool.query<{ to: string }>(
      `SELECT event->'data'->>'to' AS to FROM outbox WHERE key = $1 AND topic = 'omnicloud.compute.events' ORDER BY seq`,
      [db.metadata.uid],
    );
    const order = rows.map((r) => r.to);
    assert.ok(order.lastIndexOf('VolumeDetached') >= 0, `a detach was recorded: ${order.join(', ')}`);
    assert.ok(
      order.lastIndexOf('VolumeDetached') < order.indexOf('Terminating'),
      `detached before the instance was deleted: ${order.join(', ')}`,
    );
  });

  it('lets go of the volumes of a Compute deleted with deletionPolicy Orphan, so their Volume can be deleted', async () => {
    await create(
      kc,
      computeManifest(ns, 'kept', { subnet: 'b', volumes: [{ name: 'far' }], deletionPolicy: 'Orphan' }),
    );
    const kept = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'kept',
      'far attached',
      (c) => ready(c) && c.status?.volumes?.[0]?.attached === true,
      90_000,
    );
    await remove(kc, 'computes', ns, 'kept');
    await eventually(
      'kept gone',
      async () => ((await read(kc, 'computes', ns, 'kept')) ? undefined : true),
      60_000,
    );
    assert.equal(
      (await h.provider.getInstance(kept.status!.providerId!))?.state,
      'running',
      'the instance is left',
    );
    await remove(kc, 'volumes', ns, 'far');
    await eventually(
      'far gone',
      async () => ((await read(kc, 'volumes', ns, 'far')) ? undefined : true),
      60_000,
    );
  });
});
