// What looking again at a settled managed object costs in API writes, counted by the API server's own audit
// log: the generic managed reconciler runs the Volume kind in this process as a ServiceAccount of the test's
// own (the audit log records service accounts), against the real API server, PostgreSQL and the stack's cloud
// simulator. Each look is one reconcile with the clock moved on by one observe interval, as the periodic
// recheck of a settled object does; an object in sync and one whose drift is only reported (alert) are
// looked at N times each. Counts, not times: an unchanged object must cost no write at all, while a real
// change still writes its status (once for the drift, once for what it makes of the spec).
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import pino from 'pino';
import type { ManagedKind } from '../../controllers/managed/kind.ts';
import { reconcileManaged } from '../../controllers/managed/reconciler.ts';
import { HttpProvider } from '../../controllers/provider/http-client.ts';
import type { VolumeState } from '../../controllers/volume/client.ts';
import { volumeKind, type VolumeObj } from '../../controllers/volume/reconcile.ts';
import type { VolumeRow } from '../../controllers/volume/store.ts';
import type { VolumeSpec } from '../../crds/schemas/volume.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { systemClock, type Clock } from '../../operator/clock.ts';
import type { ReconcileContext } from '../../operator/controller.ts';
import { eventRecorder } from '../../operator/events.ts';
import { auditedRequests } from '../support/chart-operator.ts';
import { stackConsole } from '../support/console.ts';
import { migratedPool } from '../support/databases.ts';
import {
  condition,
  create,
  createNamespace,
  deleteNamespace,
  read,
  remove,
  volumeManifest,
} from '../support/infra.ts';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';
import { installCrds } from '../support/operator.ts';

const writes = new Set(['create', 'update', 'patch', 'delete']);
/** Looks at each settled object. */
const looks = 6;

describe('performance: API writes of a settled managed object looked at again (audit log)', function () {
  this.timeout(240_000);
  const admin = adminConfig();
  const ns = `tenant-${uniqueName('settled')}`;
  const account = 'settled-reconciler';
  const binding = uniqueName('settled-reconciler');
  const user = `system:serviceaccount:${ns}:${account}`;
  const log = pino({ level: 'silent' });
  let pool: pg.Pool;
  let kind: ManagedKind<VolumeObj, VolumeSpec, VolumeRow, VolumeState>;
  let ctx: ReconcileContext<VolumeObj>;
  /** The reconciler's wall clock: moved on by one observe interval per look. */
  let nowMs = Date.now();
  const clock: Clock = { ...systemClock, now: () => nowMs };

  before(async () => {
    installCrds();
    pool = await migratedPool('infra_db');
    await createNamespace(admin, ns);
    const core = admin.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: account } } });
    await admin.makeApiClient(k8s.RbacAuthorizationV1Api).createClusterRoleBinding({
      body: {
        metadata: { name: binding },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: account, namespace: ns }],
      },
    });
    const token = await core.createNamespacedServiceAccountToken({
      name: account,
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const cluster = admin.getCurrentCluster()!;
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [cluster],
      users: [{ name: account, token: token.status!.token }],
      contexts: [{ name: account, cluster: cluster.name, user: account }],
      currentContext: account,
    });
    kind = volumeKind({ pool, provider: new HttpProvider(endpoints().provider) });
    ctx = {
      kc,
      log,
      clock,
      events: eventRecorder(kc, 'volume', 'settled-cost', log),
      cache: undefined as unknown as ReconcileContext<VolumeObj>['cache'],
      signal: new AbortController().signal,
      wrote: () => undefined,
    } as ReconcileContext<VolumeObj>;
  });
  after(async () => {
    try {
      for (const name of ['calm', 'drifted']) {
        await remove(admin, 'volumes', ns, name);
        await reconcileUntil(name, 'deleted', (v) => v === undefined).catch(() => undefined);
      }
    } finally {
      await admin
        .makeApiClient(k8s.RbacAuthorizationV1Api)
        .deleteClusterRoleBinding({ name: binding })
        .catch(() => undefined);
      await deleteNamespace(admin, ns);
      await pool?.end();
    }
  });

  /** One reconcile of what the server has now, as a worker would run it. */
  async function reconcileOnce(name: string): Promise<void> {
    const seen = await read<VolumeObj>(admin, 'volumes', ns, name);
    if (seen) await reconcileManaged(kind, { pool }, seen, ctx);
  }

  function reconcileUntil(name: string, what: string, done: (v: VolumeObj | undefined) => boolean) {
    return eventually(
      `${name}: ${what}`,
      async () => {
        nowMs = Date.now();
        await reconcileOnce(name);
        const after = await read<VolumeObj>(admin, 'volumes', ns, name);
        return done(after) ? (after ?? null) : undefined;
      },
      90_000,
    );
  }

  /** Reconciles `name` until a reconcile leaves it as it was: what it shows is all it has to show. */
  async function settle(name: string): Promise<VolumeObj> {
    let version: string | undefined;
    return eventually(
      `${name} settled`,
      async () => {
        nowMs = Date.now();
        await reconcileOnce(name);
        const after = (await read<VolumeObj>(admin, 'volumes', ns, name))!;
        if (after.metadata.resourceVersion === version) return after;
        version = after.metadata.resourceVersion;
        return undefined;
      },
      60_000,
    );
  }

  /** The writes the reconciler made about `name` since position `from` of the audit log, once it is quiet. */
  async function writesAbout(name: string, from: number) {
    let last = -1;
    let stableSince = 0;
    await eventually(
      'the audit log to catch up',
      async () => {
        const n = auditedRequests(user).length;
        if (n !== last) [last, stableSince] = [n, Date.now()];
        return Date.now() - stableSince > 2_000 ? true : undefined;
      },
      60_000,
    );
    const about = auditedRequests(user)
      .slice(from)
      .filter((r) => writes.has(r.verb) && r.resource.endsWith(`/${ns}/${name}`));
    return { all: about, status: about.filter((r) => r.resource.includes('/status/')) };
  }

  /** `looks` rechecks of a settled object, each an observe interval after the one before. */
  async function lookAgain(name: string) {
    const from = auditedRequests(user).length;
    for (let i = 0; i < looks; i++) {
      nowMs += kind.observeIntervalMs;
      await reconcileOnce(name);
    }
    return writesAbout(name, from);
  }

  it('an unchanged settled object, in sync or with reported drift, costs 0 writes per observe interval', async () => {
    for (const name of ['calm', 'drifted'])
      await create(
        admin,
        volumeManifest(ns, name, { sizeGiB: 10, driftPolicy: { default: 'alert', overrides: [] } }),
      );
    const inSync = (v: VolumeObj | undefined) =>
      v?.status?.phase === 'Available' && condition(v, 'Drifted')?.status === 'False';
    await reconcileUntil('calm', 'Available and in sync', inSync);
    const drifted = (await reconcileUntil('drifted', 'Available and in sync', inSync))!;
    await stackConsole().growVolume(drifted.status!.providerId!, 20);
    await reconcileUntil('drifted', 'the drift shown', (v) => v?.status?.drift?.total === 1);
    // The grown size makes the spec one that would shrink it, which a second reconcile shows: settled after.
    const shown = await settle('drifted');
    await settle('calm');
    const observedAt = shown.status!.drift!.observedAt;

    const calm = await lookAgain('calm');
    const still = await lookAgain('drifted');
    console.log(
      `      ${looks} observe intervals: in sync ${calm.all.length} writes (${calm.status.length} to status), ` +
        `drift reported ${still.all.length} writes (${still.status.length} to status)`,
    );
    assert.deepEqual(calm.all, [], 'an object in sync looked at again writes nothing');
    assert.deepEqual(still.all, [], 'an object whose drift did not change writes nothing');
    const after = await read<VolumeObj>(admin, 'volumes', ns, 'drifted');
    assert.equal(after!.status!.drift!.observedAt, observedAt, 'the drift shown is the one first shown');

    // The test sees writes when there are some: the drift changes, and its status is written once.
    await stackConsole().growVolume(drifted.status!.providerId!, 30);
    const changed = await lookAgain('drifted');
    console.log(
      `      the drift changed: ${changed.all.length} writes (${changed.status.length} to status) in ${looks} intervals`,
    );
    // Once for the new drift, once more for what it makes of the spec (a shrink it now refuses), then nothing.
    assert.ok(changed.status.length >= 1 && changed.status.length <= 2, JSON.stringify(changed.all));
    const now = await read<VolumeObj>(admin, 'volumes', ns, 'drifted');
    assert.equal(now!.status!.drift!.records[0]!.actual, '30');
  });
});
