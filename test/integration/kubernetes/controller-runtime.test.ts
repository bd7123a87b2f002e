// The controller runtime against the real API server: its own status writes do not wake it (spec and
// metadata changes do), a reconcile that hangs past its deadline gets its signal aborted and frees its worker
// without ever running twice at once for one key, and owned informers cache only what their selector names.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { done, type Action } from '../../../operator/action.ts';
import { Controller, type ReconcileContext } from '../../../operator/controller.ts';
import { eventRecorder } from '../../../operator/events.ts';
import type { ResourceRef } from '../../../operator/informer.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { api, createNamespace, deleteNamespace, volumeManifest } from '../../support/infra.ts';
import { installCrds } from '../../support/operator.ts';

type Volume = k8s.KubernetesObject & { spec: { sizeGiB: number }; status?: { phase?: string } };
const volumes: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Volume',
  plural: 'volumes',
  namespaced: true,
};
const log = pino({ level: 'silent' });

describe('controller runtime (real API server)', function () {
  this.timeout(60_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const ns = uniqueName('it-runtime');
  const controllers: Controller<k8s.KubernetesObject>[] = [];

  before(async () => {
    installCrds();
    await createNamespace(kc, ns);
  });
  afterEach(async () => {
    await Promise.all(controllers.splice(0).map((c) => c.stop(1_000)));
  });
  after(async () => deleteNamespace(kc, ns));

  function start<T extends k8s.KubernetesObject>(
    name: string,
    reconcile: (obj: T, ctx: ReconcileContext<T>) => Promise<Action>,
    extra: {
      workers?: number;
      reconcileTimeoutMs?: number;
      owns?: ConstructorParameters<typeof Controller>[0]['owns'];
    } = {},
  ): Controller<T> {
    const c = new Controller<T>(
      { name, resource: volumes, reconcile, ...extra },
      kc,
      log,
      eventRecorder(kc, name, 'test', log),
    );
    controllers.push(c as unknown as Controller<k8s.KubernetesObject>);
    return c;
  }

  const createVolume = (name: string) =>
    custom.createNamespacedCustomObject({
      ...api,
      plural: 'volumes',
      namespace: ns,
      body: volumeManifest(ns, name),
    });

  it('is not woken by its own status write, and is by a spec or label change', async () => {
    const name = uniqueName('vol');
    const seen: string[] = [];
    let statusVersion = '';
    const c = start<Volume>('status-filter', async (obj) => {
      if (obj.metadata?.namespace !== ns || obj.metadata.name !== name) return done;
      seen.push(`${obj.metadata.generation}:${obj.metadata.labels?.tier ?? ''}`);
      const written = (await custom.patchNamespacedCustomObjectStatus(
        {
          ...api,
          plural: 'volumes',
          namespace: ns,
          name,
          body: { status: { phase: seen.length % 2 ? 'Creating' : 'Available' } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )) as Volume;
      statusVersion = written.metadata!.resourceVersion!;
      return done;
    });
    await c.start();
    await createVolume(name);
    const settled = async () => {
      // Once the cache holds the latest version (the status write, then Synced), its watch events have been
      // handled: synchronously, with the cache.
      const latest = (await custom.getNamespacedCustomObject({
        ...api,
        plural: 'volumes',
        namespace: ns,
        name,
      })) as Volume;
      const cached = c.cache.get(name, ns);
      const idle = c.queue.length === 0 && !c.queue.isProcessing(`${ns}/${name}`);
      const current = cached?.metadata?.resourceVersion === latest.metadata?.resourceVersion;
      return current && statusVersion !== '' && idle ? true : undefined;
    };
    await eventually('the first reconcile and its status write to settle', settled);
    assert.deepEqual(seen, ['1:'], 'its own status write did not reconcile it again');

    await custom.patchNamespacedCustomObject(
      { ...api, plural: 'volumes', namespace: ns, name, body: { metadata: { labels: { tier: 'gold' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually('a label change to reconcile it', async () => (seen.length === 2 ? true : undefined));
    await eventually('that reconcile to settle', settled);
    await custom.patchNamespacedCustomObject(
      { ...api, plural: 'volumes', namespace: ns, name, body: { spec: { sizeGiB: 20 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually('a spec change to reconcile it', async () => (seen.length === 3 ? true : undefined));
    await eventually('that reconcile to settle', settled);
    assert.deepEqual(seen, ['1:', '1:gold', '2:gold']);
  });

  it('aborts a hung reconcile at its deadline, frees its worker, and never runs one key twice at once', async () => {
    const [hung, other] = [uniqueName('hung'), uniqueName('other')];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const running = new Map<string, number>();
    let overlap = false;
    let abortedSeen = false;
    const calls: string[] = [];
    const c = start<Volume>(
      'deadline',
      async (obj, ctx) => {
        const name = obj.metadata!.name!;
        if (obj.metadata?.namespace !== ns || ![hung, other].includes(name)) return done;
        if ((running.get(name) ?? 0) > 0) overlap = true;
        running.set(name, (running.get(name) ?? 0) + 1);
        calls.push(name);
        try {
          if (name === hung && calls.filter((n) => n === hung).length === 1) {
            // Hangs past the deadline, ignoring it, as a call with no timeout of its own would.
            await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
            abortedSeen = ctx.signal.aborted;
            await released;
          }
          return done;
        } finally {
          running.set(name, running.get(name)! - 1);
        }
      },
      { workers: 1, reconcileTimeoutMs: 1_500 },
    );
    await c.start();
    await createVolume(hung);
    await eventually('the hung reconcile to start', async () => (calls.includes(hung) ? true : undefined));
    await createVolume(other);
    // With one worker, `other` runs only because the hung reconcile's deadline freed it.
    await eventually('the other key to be reconciled by the freed worker', async () =>
      calls.includes(other) ? true : undefined,
    );
    assert.equal(abortedSeen, true, "the hung reconcile's signal fired at its deadline");
    await custom.patchNamespacedCustomObject(
      { ...api, plural: 'volumes', namespace: ns, name: hung, body: { spec: { sizeGiB: 30 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    // The change waits for the hung reconcile to end: never a second reconcile of the same key beside it.
    await eventually('the spec change to be seen by the cache', async () =>
      c.cache.get(hung, ns)?.metadata?.generation === 2 ? true : undefined,
    );
    assert.equal(calls.filter((n) => n === hung).length, 1);
    release();
    await eventually('the hung key to be reconciled again once it ended', async () =>
      calls.filter((n) => n === hung).length === 2 ? true : undefined,
    );
    assert.equal(overlap, false);
  });

  it('caches only the owned objects its label selector names', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const [mine, theirs] = [uniqueName('owned'), uniqueName('unowned')];
    await core.createNamespace({
      body: { metadata: { name: mine, labels: { 'app.kubernetes.io/managed-by': 'it-runtime' } } },
    });
    await core.createNamespace({ body: { metadata: { name: theirs } } });
    try {
      const c = start<Volume>('owned-selector', async () => done, {
        owns: [
          {
            apiVersion: 'v1',
            kind: 'Namespace',
            plural: 'namespaces',
            namespaced: false,
            labelSelector: 'app.kubernetes.io/managed-by=it-runtime',
          },
        ],
      });
      await c.start();
      const cached = c.ownedCaches[0]!.list().map((n) => n.metadata!.name);
      assert.ok(cached.includes(mine));
      assert.ok(!cached.includes(theirs));
      assert.ok(!cached.includes('kube-system'));
    } finally {
      await Promise.all([core.deleteNamespace({ name: mine }), core.deleteNamespace({ name: theirs })]);
    }
  });

  it('keeps Synced for every object: failing and slow told apart, never erasing the status a reconcile wrote', async () => {
    const name = uniqueName('synced');
    let mode: 'fail' | 'throttle' | 'ok' = 'fail';
    // A field of the kind's own status, written by the reconcile: the Synced write must never lose it.
    const phases = { fail: 'Pending', throttle: 'Creating', ok: 'Available' } as const;
    const c = start<Volume>('synced', async (obj) => {
      if (obj.metadata?.namespace !== ns || obj.metadata.name !== name) return done;
      await custom.patchNamespacedCustomObjectStatus(
        { ...api, plural: 'volumes', namespace: ns, name, body: { status: { phase: phases[mode] } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      if (mode === 'fail') throw new Error('connect ECONNREFUSED 10.1.2.3:5432 password=hunter2');
      if (mode === 'throttle') throw Object.assign(new Error('slow down'), { retryAfterMs: 400 });
      return done;
    });
    await c.start();
    await createVolume(name);
    type Synced = { status: string; reason: string; message: string };
    const read = async () =>
      (await custom.getNamespacedCustomObject({
        ...api,
        plural: 'volumes',
        namespace: ns,
        name,
      })) as Volume & {
        status?: { phase?: string; conditions?: (Synced & { type: string })[] };
      };
    const synced = async (reason: string) => {
      const v = await read();
      const s = v.status?.conditions?.find((x) => x.type === 'Synced');
      return s?.reason === reason ? { s, phase: v.status?.phase } : undefined;
    };
    const failing = await eventually('Synced=False ReconcileError', () => synced('ReconcileError'));
    assert.equal(failing.s.status, 'False');
    assert.doesNotMatch(failing.s.message, /10\.1\.2\.3|hunter2/, 'no driver words in status');
    assert.equal(failing.phase, 'Pending', "the reconcile's own status write was kept");
    mode = 'throttle';
    const slow = await eventually('Synced=False Throttled', () => synced('Throttled'));
    assert.match(slow.s.message, /slow down; trying again in 1 s/);
    mode = 'ok';
    const ok = await eventually('Synced=True', () => synced('ReconcileSuccess'), 20_000);
    assert.equal(ok.s.status, 'True');
    assert.equal(ok.phase, 'Available');
  });
});
