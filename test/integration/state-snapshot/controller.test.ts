// The StateSnapshot controller run here against the stack: a new StateSnapshot takes a snapshot at once,
// prunes the tenant's snapshots to spec.keep and shows the last one (id, UTC time, size, counts) and when the
// next is due; a smaller keep prunes at once without a new snapshot; with the S3 server unreachable it shows
// S3Unavailable on Ready and Synced and takes the snapshot once the server answers again.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import * as Minio from 'minio';
import pino from 'pino';
import type pg from 'pg';
import { done } from '../../../operator/action.ts';
import { Controller } from '../../../operator/controller.ts';
import { eventRecorder } from '../../../operator/events.ts';
import { s3ClientOptions as optionsFor } from '../../../controllers/backing/s3.ts';
import { snapshotBucket } from '../../../controllers/state-snapshot/keys.ts';
import { stateSnapshotController } from '../../../controllers/state-snapshot/reconcile.ts';
import { listSnapshots, snapshotStore } from '../../../controllers/state-snapshot/store.ts';
import { takeSnapshot } from '../../../controllers/state-snapshot/take.ts';
import type { StateSnapshot } from '../../../crds/schemas/state-snapshot.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { migratedPool } from '../../support/databases.ts';
import { api, create, createNamespace, deleteNamespace, volumeManifest } from '../../support/infra.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';
import { operatorS3Keys, s3Client } from '../../support/s3.ts';
import { startS3Switch, type S3Switch } from '../../support/s3-switch.ts';
import { startFreezableProxy } from '../../support/freezable-proxy.ts';
import { removeTenantSnapshots } from './support.ts';

const log = pino({ level: 'silent' });
type Obj = StateSnapshot & k8s.KubernetesObject;

describe('integration: StateSnapshot controller', function () {
  this.timeout(180_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const tenants = [uniqueName('ssk'), uniqueName('ssk'), uniqueName('ssk')];
  const namespaces = [...tenants.map((t) => `tenant-${t}`), uniqueName('ssk-plain')];
  const s3 = s3Client();
  const store = snapshotStore(s3, endpoints().s3.region);
  const controllers: Controller<Obj>[] = [];
  let infra: pg.Pool;
  let proxy: S3Switch;

  async function startController(endpoint: string, reconcileTimeoutMs?: number): Promise<void> {
    const e = { ...endpoints().s3, endpoint, ...operatorS3Keys() };
    const spec = stateSnapshotController({
      infra,
      store: snapshotStore(new Minio.Client(optionsFor(e, e)), e.region),
    });
    const c = new Controller<Obj>(
      {
        ...spec,
        reconcileTimeoutMs,
        // Only this test's namespaces: other operators' objects on the shared stack are theirs.
        reconcile: (obj, ctx) =>
          namespaces.includes(obj.metadata?.namespace ?? '')
            ? spec.reconcile(obj, ctx)
            : Promise.resolve(done),
      },
      kc,
      log,
      eventRecorder(kc, 'state-snapshot-test', 'test', log),
    );
    controllers.push(c);
    await c.start();
  }
  const stopControllers = () => Promise.all(controllers.splice(0).map((c) => c.stop(1_000)));
  const read = async (ns: string, name: string) =>
    (await custom.getNamespacedCustomObject({
      ...api,
      plural: 'statesnapshots',
      namespace: ns,
      name,
    })) as Obj;
  const condition = (o: Obj, type: string) => o.status?.conditions?.find((c) => c.type === type);
  const createSchedule = (ns: string, name: string, spec: object) =>
    custom.createNamespacedCustomObject({
      ...api,
      plural: 'statesnapshots',
      namespace: ns,
      body: { apiVersion: 'omnicloud.io/v1alpha1', kind: 'StateSnapshot', metadata: { name }, spec },
    });

  before(async () => {
    installCrds();
    infra = await migratedPool('infra_db');
    for (const ns of namespaces) await createNamespace(kc, ns);
    await create(kc, volumeManifest(namespaces[0]!, 'data', { sizeGiB: 10 }));
    proxy = await startS3Switch();
  });
  afterEach(stopControllers);
  after(async () => {
    await stopControllers();
    await proxy?.close();
    for (const ns of namespaces) await deleteNamespace(kc, ns);
    for (const t of tenants) await removeTenantSnapshots(s3, t);
    await infra?.end();
  });

  it('takes a snapshot at once, keeps the newest `keep` and shows the last one and the next time', async () => {
    const [tenant, ns] = [tenants[0]!, namespaces[0]!];
    const older: string[] = [];
    for (let i = 0; i < 3; i++) older.push((await takeSnapshot(kc, infra, store, tenant, new Date())).id);
    await startController(endpoints().s3.endpoint);
    await createSchedule(ns, 'daily', { schedule: { every: '24h' }, keep: 2 });
    const o = await eventually('snapshot taken', async () => {
      const s = await read(ns, 'daily');
      return condition(s, 'Ready')?.status === 'True' ? s : undefined;
    });
    const last = o.status!.lastSnapshot!;
    assert.equal(condition(o, 'Ready')!.reason, 'SnapshotTaken');
    assert.equal(o.status!.bucket, snapshotBucket);
    assert.ok(!older.includes(last.id), 'a new snapshot');
    assert.match(last.takenAt, /Z$/);
    assert.equal(last.objectCount, 2, 'the Volume and the StateSnapshot itself');
    assert.ok(last.sizeBytes > 0);
    assert.equal(o.status!.nextSnapshotAt, new Date(Date.parse(last.takenAt) + 86_400_000).toISOString());
    assert.equal(o.status!.snapshots, 2);
    const kept = (await listSnapshots(store, tenant)).map((m) => m.id);
    assert.equal(kept.length, 2, 'keep: 2');
    assert.ok(
      kept.includes(last.id) && !kept.includes(older[0]!) && !kept.includes(older[1]!),
      'the newest kept',
    );
    assert.equal(o.status!.observedGeneration, o.metadata!.generation);
  });

  it('prunes at once when keep goes down, without a new snapshot', async () => {
    const [tenant, ns] = [tenants[0]!, namespaces[0]!];
    await startController(endpoints().s3.endpoint);
    const before = (await read(ns, 'daily')).status!.lastSnapshot!.id;
    await custom.patchNamespacedCustomObject(
      { ...api, plural: 'statesnapshots', namespace: ns, name: 'daily', body: { spec: { keep: 1 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const o = await eventually('pruned to one', async () => {
      const s = await read(ns, 'daily');
      return s.status?.snapshots === 1 && s.status.observedGeneration === s.metadata!.generation
        ? s
        : undefined;
    });
    assert.equal(o.status!.lastSnapshot!.id, before, 'no new snapshot before it is due');
    assert.deepEqual(
      (await listSnapshots(store, tenant)).map((m) => m.id),
      [before],
    );
  });

  it('shows S3Unavailable while the S3 server is down, and takes the snapshot once it is back', async () => {
    const [tenant, ns] = [tenants[1]!, namespaces[1]!];
    proxy.down();
    await startController(proxy.endpoint);
    await createSchedule(ns, 'hourly', { schedule: { every: '1h' }, keep: 3 });
    const failing = await eventually('S3Unavailable shown', async () => {
      const s = await read(ns, 'hourly');
      return condition(s, 'Ready')?.reason === 'S3Unavailable' &&
        condition(s, 'Synced')?.reason === 'S3Unavailable'
        ? s
        : undefined;
    });
    assert.equal(condition(failing, 'Ready')!.status, 'False');
    assert.equal(condition(failing, 'Synced')!.status, 'False');
    assert.match(condition(failing, 'Ready')!.message, /S3 server cannot be reached/);
    assert.ok(!JSON.stringify(failing.status).includes('127.0.0.1'), 'no address in status');
    assert.equal(failing.status!.lastSnapshot, undefined);
    assert.deepEqual(await listSnapshots(store, tenant), [], 'nothing half written');

    proxy.up();
    const o = await eventually('snapshot taken after the server came back', async () => {
      const s = await read(ns, 'hourly');
      return condition(s, 'Ready')?.status === 'True' ? s : undefined;
    });
    assert.deepEqual(
      (await listSnapshots(store, tenant)).map((m) => m.id),
      [o.status!.lastSnapshot!.id],
    );
    await eventually('Synced again', async () =>
      condition(await read(ns, 'hourly'), 'Synced')?.status === 'True' ? true : undefined,
    );
  });

  it('shows S3Unavailable when the S3 server stops answering, instead of waiting for ever', async () => {
    const [tenant, ns] = [tenants[2]!, namespaces[2]!];
    const target = new URL(endpoints().s3.endpoint);
    const frozen = await startFreezableProxy({ host: target.hostname, port: Number(target.port) });
    try {
      frozen.freeze();
      await startController(`http://127.0.0.1:${frozen.port}`, 2_000);
      await createSchedule(ns, 'hung', { schedule: { every: '1h' } });
      const o = await eventually('S3Unavailable shown for a server that does not answer', async () => {
        const s = await read(ns, 'hung');
        return condition(s, 'Ready')?.reason === 'S3Unavailable' ? s : undefined;
      });
      assert.match(condition(o, 'Ready')!.message, /cannot be reached or is failing \(no answer\)/);
      assert.deepEqual(await listSnapshots(store, tenant), []);
    } finally {
      await stopControllers();
      await frozen.close();
    }
  });

  it('refuses, with NotInTenantNamespace, a StateSnapshot outside a tenant namespace', async () => {
    const ns = namespaces[3]!;
    await startController(endpoints().s3.endpoint);
    await createSchedule(ns, 'stray', { schedule: { every: '1h' } });
    const o = await eventually('NotInTenantNamespace shown', async () => {
      const s = await read(ns, 'stray');
      return condition(s, 'Ready')?.reason === 'NotInTenantNamespace' ? s : undefined;
    });
    assert.equal(condition(o, 'Ready')!.status, 'False');
    assert.match(
      condition(o, 'Ready')!.message,
      new RegExp(`tenant's namespace \\(tenant-<name>\\), not ${ns}`),
    );
    assert.equal(o.status!.lastSnapshot, undefined);
  });
});
