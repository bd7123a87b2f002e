// The real controllers, run in the test's process against the real API server, infra_db and S3 server, and a
// cloud simulator of the test's own (it serves snapshots whatever the shared one runs): each controller acts
// only on the test's namespace, so nothing else in the cluster is touched. Run under the stack lock, so that no
// operator process of another test acts on the namespace meanwhile.
import type * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import type pg from 'pg';
import { done } from '../../../operator/action.ts';
import { Controller, type ControllerSpec } from '../../../operator/controller.ts';
import { eventRecorder } from '../../../operator/events.ts';
import { operatorS3Client } from '../../../controllers/backing/s3.ts';
import { s3ManifestStore, type ManifestStore } from '../../../controllers/disk-snapshot/manifest.ts';
import { diskSnapshotController, restoreSourceOf } from '../../../controllers/disk-snapshot/reconcile.ts';
import { HttpProvider } from '../../../controllers/provider/http-client.ts';
import { volumeController, type VolumeObj } from '../../../controllers/volume/reconcile.ts';
import type { S3Endpoint } from '../../../operator/endpoints.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { migratedPool } from '../../support/databases.ts';
import { startOwnSimulator, type OwnSimulator } from '../../support/simulator.ts';

/** A controller acting on one namespace only. */
export function scoped<T extends k8s.KubernetesObject>(
  spec: ControllerSpec<T>,
  namespace: string,
): ControllerSpec<T> {
  const mine = (obj: T) => obj.metadata?.namespace === namespace;
  return {
    ...spec,
    reconcile: (obj, ctx) => (mine(obj) ? spec.reconcile(obj, ctx) : Promise.resolve(done)),
    onTerminalError: async (obj, err, ctx) => {
      if (mine(obj)) await spec.onTerminalError?.(obj, err, ctx);
    },
  };
}

export const s3Endpoint = (): S3Endpoint => {
  const s3 = endpoints().s3;
  return { endpoint: s3.endpoint, region: s3.region, accessKey: s3.accessKey!, secretKey: s3.secretKey! };
};

export interface HarnessBase {
  sim: OwnSimulator;
  provider: HttpProvider;
  pool: pg.Pool;
  manifests: ManifestStore;
  volume(namespace: string, name: string): VolumeObj | undefined;
}

export interface Harness {
  sim: OwnSimulator;
  provider: HttpProvider;
  pool: pg.Pool;
  /** The manifest store on the real S3 server, as the controller uses it. */
  manifests: ManifestStore;
  controllers: Controller<k8s.KubernetesObject>[];
  stop(): Promise<void>;
}

export async function startHarness(
  kc: k8s.KubeConfig,
  namespace: string,
  opts: {
    manifests?: ManifestStore;
    /** A simulator to use (a restarted operator's), left running by stop(); by default one of its own. */
    sim?: OwnSimulator;
    /** More controllers, given what the harness made (the Volume cache among it). */
    extra?: (h: HarnessBase) => Promise<ControllerSpec<never>[]>;
  } = {},
): Promise<Harness> {
  const sim = opts.sim ?? (await startOwnSimulator());
  const provider = new HttpProvider(sim.url, { baseBackoffMs: 20 });
  const pool = await migratedPool('infra_db');
  const log = pino({ level: process.env.OMNICLOUD_TEST_LOG ?? 'silent' });
  const manifests = opts.manifests ?? s3ManifestStore(operatorS3Client(s3Endpoint()), s3Endpoint().region);
  const make = <T extends k8s.KubernetesObject>(spec: ControllerSpec<T>) =>
    new Controller(
      scoped({ ...spec, workers: 2, resyncMs: 5_000 }, namespace),
      kc,
      log,
      eventRecorder(kc, spec.name, 'test', log),
    );
  const volumes = make(
    volumeController({
      pool,
      provider,
      observeIntervalMs: 1_000,
      snapshotSource: (ns, name) => restoreSourceOf(snapshots.cache.get(name, ns) as never),
    }),
  );
  const snapshots = make(
    diskSnapshotController({
      pool,
      provider,
      manifests,
      observeIntervalMs: 1_000,
      sourceVolume: (ns, name) => volumes.cache.get(name, ns),
    }),
  ) as unknown as Controller<k8s.KubernetesObject>;
  const base = {
    sim,
    provider,
    pool,
    manifests,
    volume: (ns: string, name: string) => volumes.cache.get(name, ns),
  };
  const extra = opts.extra ? await opts.extra(base) : [];
  const controllers = [
    volumes,
    snapshots,
    ...extra.map((spec) => make(spec as ControllerSpec<k8s.KubernetesObject>)),
  ] as Controller<k8s.KubernetesObject>[];
  for (const c of controllers) await c.start();
  return {
    ...base,
    controllers,
    async stop() {
      for (const c of controllers) await c.stop(2_000);
      await pool.end();
      if (!opts.sim) await sim.dispose();
    },
  };
}

/** A DiskSnapshot of `volume`, as a user writes it. */
export function snapshotManifest(
  namespace: string,
  name: string,
  volume: string,
  extra: object = {},
): object {
  return {
    apiVersion: 'omnicloud.io/v1alpha1',
    kind: 'DiskSnapshot',
    metadata: { name, namespace },
    spec: { source: { volume }, ...extra },
  };
}
