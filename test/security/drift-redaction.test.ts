// Values a kind marks sensitive are redacted everywhere the drift path tells them, against the real stack. No
// field of Compute, Volume or Network is sensitive today, so the Volume kind runs here with its size marked so
// (driftRules.sensitive) through the real managed reconciler, reconciled in this process (no operator runs in
// this file, so nothing else reconciles the object), on the real API server, PostgreSQL, the stack's simulator
// and Kafka (the real outbox relay): a volume grown at the console is reported with "(redacted)" in place of
// both sizes in its status, drift_history, the drift-detected event on Kafka, its Drifted Event and the logs.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import pino from 'pino';
import { topics } from '../../controllers/events/cloudevent.ts';
import { kafkaClient } from '../../controllers/events/pipeline.ts';
import { OutboxRelay } from '../../controllers/events/relay.ts';
import type { ManagedKind } from '../../controllers/managed/kind.ts';
import { reconcileManaged } from '../../controllers/managed/reconciler.ts';
import { HttpProvider } from '../../controllers/provider/http-client.ts';
import type { VolumeState } from '../../controllers/volume/client.ts';
import { volumeKind, type VolumeObj } from '../../controllers/volume/reconcile.ts';
import type { VolumeRow } from '../../controllers/volume/store.ts';
import type { VolumeSpec } from '../../crds/schemas/volume.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { systemClock } from '../../operator/clock.ts';
import type { ReconcileContext } from '../../operator/controller.ts';
import { eventRecorder } from '../../operator/events.ts';
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
import { KafkaTail } from './kafka-tail.ts';

const redacted = '(redacted)';
/** The sizes the test uses: neither may show anywhere the drift is told. */
const [specGiB, grownGiB] = [37, 61];

describe('security: values marked sensitive are redacted all along the drift path', function () {
  this.timeout(180_000);
  const kc = adminConfig();
  const ns = `tenant-${uniqueName('redact')}`;
  const lines: string[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }),
  );
  const kafkaTail = new KafkaTail([topics.volume]);
  let pool: pg.Pool;
  let relay: OutboxRelay | undefined;
  let kind: ManagedKind<VolumeObj, VolumeSpec, VolumeRow, VolumeState>;
  let ctx: ReconcileContext<VolumeObj>;
  const deps = () => ({ pool, onOutbox: () => relay?.nudge() });

  before(async () => {
    installCrds();
    pool = await migratedPool('infra_db');
    await createNamespace(kc, ns);
    await kafkaTail.mark();
    relay = new OutboxRelay(kafkaClient(endpoints().kafkaBrokers, uniqueName('sec-relay'), log), pool, log);
    relay.start();
    const volumes = volumeKind({
      pool,
      provider: new HttpProvider(endpoints().provider),
      onOutbox: () => relay?.nudge(),
    });
    kind = { ...volumes, driftRules: { ...volumes.driftRules, sensitive: ['sizeGiB'] } };
    ctx = {
      kc,
      log,
      clock: systemClock,
      events: eventRecorder(kc, 'volume', 'sec-redaction', log),
      cache: undefined as unknown as ReconcileContext<VolumeObj>['cache'],
      signal: new AbortController().signal,
      // Told what a write of the reconcile returned, where the runtime wants to know: nothing to do here.
      wrote: () => undefined,
    } as ReconcileContext<VolumeObj>;
  });
  after(async () => {
    try {
      // The finalizer is this process's: reconcile the deletion to its end, which deletes the volume too.
      for (const name of ['secret-disk', 'gone-disk']) {
        await remove(kc, 'volumes', ns, name).catch(() => undefined);
        await reconcileUntil('deleted', (v) => v === undefined, 60_000, name).catch(() => undefined);
      }
    } finally {
      await relay?.stop();
      await deleteNamespace(kc, ns);
      await pool?.end();
    }
  });

  /** Reconciles the object as a worker would, again and again, until `done` holds for what the server has. */
  function reconcileUntil(
    what: string,
    done: (v: VolumeObj | undefined) => boolean,
    timeoutMs = 60_000,
    name = 'secret-disk',
  ) {
    return eventually(
      `${name}: ${what}`,
      async () => {
        const before = await read<VolumeObj>(kc, 'volumes', ns, name);
        if (before) await reconcileManaged(kind, deps(), before, ctx);
        const after = await read<VolumeObj>(kc, 'volumes', ns, name);
        return done(after) ? (after ?? null) : undefined;
      },
      timeoutMs,
    );
  }

  it('shows "(redacted)" for both sizes of a volume grown at the console, wherever the drift is told', async () => {
    await create(
      kc,
      volumeManifest(ns, 'secret-disk', {
        sizeGiB: specGiB,
        driftPolicy: { default: 'alert', overrides: [] },
      }),
    );
    const made = (await reconcileUntil(
      'Available and in sync',
      (v) => v?.status?.phase === 'Available' && condition(v, 'Drifted')?.status === 'False',
    ))!;
    const uid = made.metadata.uid!;

    await stackConsole().growVolume(made.status!.providerId!, grownGiB);
    const shown = (await reconcileUntil('the drift shown', (v) => (v?.status?.drift?.total ?? 0) > 0))!;
    assert.deepEqual(shown.status!.drift!.records, [
      {
        path: 'sizeGiB',
        type: 'value_changed',
        severity: 'functional',
        desired: JSON.stringify(redacted),
        actual: JSON.stringify(redacted),
        action: 'alert',
      },
    ]);
    assert.ok(
      !condition(shown, 'Drifted')!.message.includes(String(grownGiB)),
      condition(shown, 'Drifted')!.message,
    );

    const { rows } = await pool.query<{ event: string; desired: unknown; actual: unknown }>(
      'SELECT event, desired, actual FROM drift_history WHERE uid = $1 ORDER BY id',
      [uid],
    );
    assert.deepEqual(rows, [{ event: 'detected', desired: redacted, actual: redacted }]);

    const told = await eventually('the drift-detected event on Kafka', async () => {
      const found = (await kafkaTail.since([uid]))
        .map((m) => JSON.parse(m.value) as { type: string; data: { records?: unknown[] } })
        .find((e) => e.type === 'io.omnicloud.volume.drift-detected');
      return found;
    });
    assert.deepEqual(told.data.records, [
      {
        path: 'sizeGiB',
        type: 'value_changed',
        severity: 'functional',
        desired: redacted,
        actual: redacted,
        action: 'alert',
      },
    ]);

    const list = (await kc.makeApiClient(k8s.CustomObjectsApi).listNamespacedCustomObject({
      group: 'events.k8s.io',
      version: 'v1',
      plural: 'events',
      namespace: ns,
    })) as { items: { reason?: string; note?: string; regarding?: { uid?: string } }[] };
    const drifted = list.items.filter((e) => e.regarding?.uid === uid && e.reason === 'Drifted');
    assert.equal(drifted.length, 1, 'one Drifted event');
    assert.ok(!/\b(37|61)\b/.test(drifted[0]!.note ?? ''), drifted[0]!.note);

    const shownInLogs = lines.filter((l) => /"(?:desired|actual)":\s*(?:37|61)\b/.test(l));
    assert.deepEqual(shownInLogs, [], 'no log line carries the sizes as drift values');
  });

  it('shows "(redacted)" for the size in the record of a volume deleted at the console', async () => {
    const name = 'gone-disk';
    await create(
      kc,
      volumeManifest(ns, name, { sizeGiB: specGiB, driftPolicy: { default: 'alert', overrides: [] } }),
    );
    const made = (await reconcileUntil(
      'Available and in sync',
      (v) => v?.status?.phase === 'Available' && condition(v, 'Drifted')?.status === 'False',
      60_000,
      name,
    ))!;
    const uid = made.metadata.uid!;

    await stackConsole().deleteVolume(made.status!.providerId!);
    // Alerted, not created again: the record stays shown for the test to read.
    const shown = (await reconcileUntil(
      'the missing volume shown',
      (v) => v?.status?.drift?.records?.[0]?.type === 'resource_missing',
      90_000,
      name,
    ))!;
    const [missing] = shown.status!.drift!.records;
    assert.equal(missing!.path, '$');
    assert.deepEqual(JSON.parse(missing!.desired!), { sizeGiB: redacted, type: 'ssd' });
    const told = JSON.stringify([shown.status!.drift, shown.status!.conditions]);
    assert.ok(!told.includes(String(specGiB)), told);

    const { rows } = await pool.query<{ desired: unknown }>(
      "SELECT desired FROM drift_history WHERE uid = $1 AND event = 'detected' AND drift_type = 'resource_missing'",
      [uid],
    );
    assert.deepEqual(rows, [{ desired: { sizeGiB: redacted, type: 'ssd' } }]);

    const onKafka = await eventually('the drift-detected event of the missing volume on Kafka', async () =>
      (await kafkaTail.since([uid]))
        .map((m) => JSON.parse(m.value) as { type: string; data: { records?: { desired?: unknown }[] } })
        .find((e) => e.type === 'io.omnicloud.volume.drift-detected'),
    );
    assert.deepEqual(onKafka.data.records?.[0]?.desired, { sizeGiB: redacted, type: 'ssd' });
    assert.ok(!JSON.stringify(onKafka).includes(`"sizeGiB":${specGiB}`), JSON.stringify(onKafka));
  });
});
