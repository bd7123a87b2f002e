// The OmniCloud controllers, wired to their backing systems.
import os from 'node:os';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Controller, type ControllerSpec } from '../operator/controller.ts';
import { eventRecorder } from '../operator/events.ts';
import type { BackgroundTask, Manager } from '../operator/manager.ts';
import type { Endpoints } from '../operator/endpoints.ts';
import { computeController } from './compute/reconcile.ts';
import { ProviderPlacement } from './compute/placement.ts';
import { migrate, type MigratedDatabase } from './db/migrate.ts';
import { databasePool } from './db/pool.ts';
import { isDatabaseUnavailable } from './db/unavailable.ts';
import { failureForStatus } from './failure.ts';
import { kafkaClient, startEventPipeline, type EventPipeline } from './events/pipeline.ts';
import { networkController, networkResource } from './network/reconcile.ts';
import { securityGroupsOf } from './network/security-groups.ts';
import { networkObserver } from './network/client.ts';
import { instanceObserver } from './compute/client.ts';
import { HttpProvider } from './provider/http-client.ts';
import { costAllocationController } from './cost-allocation/reconcile.ts';
import { configSetController } from './config/reconcile.ts';
import { closePreviousPeriod } from './invoice/period-close.ts';
import { invoiceController } from './invoice/reconcile.ts';
import { invoiceExporter } from './invoice/object-export.ts';
import { stateSnapshotController, stateSnapshotDeps } from './state-snapshot/reconcile.ts';
import { tenantController, tenantResource } from './tenant/reconcile.ts';
import { volumeController, type SnapshotSource, type VolumeObj } from './volume/reconcile.ts';
import { volumeObserver } from './volume/client.ts';
import { bucketBackends, bucketController } from './bucket/reconcile.ts';
import { diskSnapshotController, restoreSourceOf } from './disk-snapshot/reconcile.ts';
import { s3ManifestStore } from './disk-snapshot/manifest.ts';
import { operatorS3Client } from './backing/s3.ts';
import { OperatorVault } from './backing/vault.ts';
import { addManagedSecretController } from './secret/reconcile.ts';
import { cachedTenantQuota } from '../webhooks/quota.ts';
import { ResilientInformer } from '../operator/informer.ts';
import type { Tenant } from '../crds/schemas/tenant.ts';
import type { Network } from '../crds/schemas/network.ts';

/** Where invoice exports would go with no object store: OMNICLOUD_EXPORT_DIR or this. */
const defaultExportDir =
  process.env.OMNICLOUD_EXPORT_DIR ?? path.join(os.homedir(), '.cache', 'omnicloud', 'exports');

/** How often the scheduler's view of hosts is rebuilt from the provider and infra_db. */
const placementRefreshMs = 60_000;

/** A job run once before the controllers start, then every `everyMs` while the replica leads. */
function periodic(name: string, everyMs: number, run: () => Promise<unknown>): BackgroundTask {
  let timer: NodeJS.Timeout | undefined;
  return {
    name,
    async start() {
      await run();
      timer = setInterval(() => void run(), everyMs);
      timer.unref();
    },
    stop: async () => clearInterval(timer),
  };
}

export async function registerControllers(
  manager: Manager,
  kc: k8s.KubeConfig,
  endpoints: Endpoints,
  log: Logger,
  opts: {
    workers: number;
    resyncMs: number;
    identity: string;
    observeIntervalMs?: number;
    queueRatePerSecond?: number;
    reconcileTimeoutMs?: number;
    exportDir?: string;
  },
): Promise<{ close(): Promise<void> }> {
  for (const db of ['tenants_db', 'infra_db', 'audit_db', 'billing_db'] as MigratedDatabase[]) {
    await migrate(db, endpoints.postgres[db], log);
  }
  const tenantsPool = databasePool(endpoints.postgres.tenants_db, 'tenants_db', log);
  const infraPool = databasePool(endpoints.postgres.infra_db, 'infra_db', log, 10);
  const auditPool = databasePool(endpoints.postgres.audit_db, 'audit_db', log, 3);
  const billingPool = databasePool(endpoints.postgres.billing_db, 'billing_db', log, 5);
  const provider = new HttpProvider(endpoints.provider);
  // Controllers read Tenants from one shared cache, never with an API call per reconcile.
  const tenants = new ResilientInformer<Tenant & k8s.KubernetesObject>(
    kc,
    tenantResource,
    () => undefined,
    log.child({ cache: 'tenants' }),
  );
  const tenantQuota = cachedTenantQuota(tenants);
  const placement = new ProviderPlacement(provider, infraPool, log.child({ component: 'placement' }));

  // Computes read their network's security groups from one shared cache of Networks.
  const networks = new ResilientInformer<Network & k8s.KubernetesObject>(
    kc,
    networkResource,
    () => undefined,
    log.child({ cache: 'networks' }),
  );
  manager.addBackground({ name: 'tenant-cache', start: () => tenants.start(), stop: () => tenants.stop() });
  manager.addBackground({
    name: 'network-cache',
    start: () => networks.start(),
    stop: () => networks.stop(),
  });
  // Only the active replica relays events, consumes them, refreshes placement and closes billing periods.
  let events: EventPipeline | undefined;
  const nudge = () => events?.nudge();
  manager.addBackground({
    name: 'event-pipeline',
    start() {
      events = startEventPipeline(
        kafkaClient(endpoints.kafkaBrokers, opts.identity, log),
        infraPool,
        auditPool,
        billingPool,
        log,
      );
    },
    stop: async () => events?.close(),
  });
  manager.addBackground(
    periodic('placement-refresh', placementRefreshMs, () =>
      placement
        .refresh()
        .catch((err: unknown) =>
          log.warn({ err: (err as Error).message }, 'provider not reachable; placement waits for it'),
        ),
    ),
  );
  manager.addBackground(
    periodic('billing-period-close', 3_600_000, () =>
      closePreviousPeriod(kc, new Date(), log).then(
        () => undefined,
        (err: unknown) =>
          log.warn({ err: String(err) }, 'closing the billing period failed; retrying in an hour'),
      ),
    ),
  );

  const add = <T extends k8s.KubernetesObject>(spec: ControllerSpec<T>) => {
    const controller = new Controller(
      {
        ...spec,
        workers: opts.workers,
        resyncMs: opts.resyncMs,
        ratePerSecond: opts.queueRatePerSecond,
        reconcileTimeoutMs: opts.reconcileTimeoutMs,
        describeFailure:
          spec.describeFailure ??
          ((err) => ({
            reason: isDatabaseUnavailable(err) ? 'DatabaseUnavailable' : 'ReconcileError',
            message: failureForStatus(err),
          })),
      },
      kc,
      log,
      eventRecorder(kc, spec.name, opts.identity, log),
    );
    manager.add(controller);
    return controller;
  };
  add(tenantController({ pool: tenantsPool }));
  const networkDeps = {
    pool: infraPool,
    provider,
    onOutbox: nudge,
    observeIntervalMs: opts.observeIntervalMs,
  };
  const networkListings = networkObserver(networkDeps, log.child({ observer: 'networks' }));
  const networkControl = add(networkController({ ...networkDeps, observer: networkListings }));
  networkListings.onChange((key) => networkControl.queue.add(key));
  manager.addBackground({
    name: 'network-observer',
    start: () => networkListings.start(),
    stop: () => networkListings.stop(),
  });
  const computeDeps = {
    quota: async (namespace: string) => tenantQuota(namespace),
    pool: infraPool,
    provider,
    placement,
    onOutbox: nudge,
    observeIntervalMs: opts.observeIntervalMs,
    securityGroups: securityGroupsOf(networks),
    volume: (ns: string, name: string): VolumeObj | undefined => volumes.cache.get(name, ns),
  };
  const instances = instanceObserver(computeDeps, log.child({ observer: 'instances' }));
  const computes = add(computeController({ ...computeDeps, observer: instances }));
  instances.onChange((key) => computes.queue.add(key));
  manager.addBackground({
    name: 'instance-observer',
    start: () => instances.start(),
    stop: () => instances.stop(),
  });
  const volumeDeps = {
    storageLimit: async (namespace: string) => {
      const t = tenantQuota(namespace);
      return t && { tenant: t.name, storageGiB: t.storageGiB };
    },
    pool: infraPool,
    provider,
    onOutbox: nudge,
    observeIntervalMs: opts.observeIntervalMs,
    snapshotSource: (ns: string, name: string): SnapshotSource | undefined =>
      restoreSourceOf(snapshots.cache.get(name, ns)),
  };
  const volumeListings = volumeObserver(volumeDeps, log.child({ observer: 'volumes' }));
  const volumes = add(volumeController({ ...volumeDeps, observer: volumeListings }));
  volumeListings.onChange((key) => volumes.queue.add(key));
  manager.addBackground({
    name: 'volume-observer',
    start: () => volumeListings.start(),
    stop: () => volumeListings.stop(),
  });
  add(
    bucketController({
      pool: infraPool,
      kc,
      ...bucketBackends(endpoints.s3),
      onOutbox: nudge,
      observeIntervalMs: opts.observeIntervalMs,
    }),
  );
  const snapshots = add(
    diskSnapshotController({
      pool: infraPool,
      provider,
      onOutbox: nudge,
      observeIntervalMs: opts.observeIntervalMs,
      manifests: s3ManifestStore(operatorS3Client(endpoints.s3), endpoints.s3.region),
      sourceVolume: (ns, name): VolumeObj | undefined => volumes.cache.get(name, ns),
    }),
  );
  add(
    configSetController({ pool: infraPool, kc, onOutbox: nudge, observeIntervalMs: opts.observeIntervalMs }),
  );
  addManagedSecretController(add, {
    pool: infraPool,
    vault: new OperatorVault(endpoints.vault),
    kc,
    onOutbox: nudge,
    observeIntervalMs: opts.observeIntervalMs,
  });
  add(costAllocationController({ billingPool, tenantsPool }));
  const exporter = invoiceExporter({ s3: endpoints.s3, dir: opts.exportDir ?? defaultExportDir });
  add(invoiceController({ pool: billingPool, exporter, tenants }));
  add(stateSnapshotController(stateSnapshotDeps(infraPool, endpoints.s3)));
  return {
    async close() {
      await events?.close();
      await Promise.all([tenantsPool.end(), infraPool.end(), auditPool.end(), billingPool.end()]);
    },
  };
}
