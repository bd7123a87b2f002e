// The OmniCloud controllers, wired to their backing systems.
import os from 'node:os';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import type { Logger } from 'pino';
import { Controller, type ControllerSpec } from '../operator/controller.ts';
import { eventRecorder } from '../operator/events.ts';
import type { Manager } from '../operator/manager.ts';
import type { Endpoints } from '../hack/stack/endpoints.ts';
import { computeController } from './compute/reconcile.ts';
import { ProviderPlacement } from './compute/placement.ts';
import { migrate, type MigratedDatabase } from './db/migrate.ts';
import { kafkaClient, startEventPipeline } from './events/pipeline.ts';
import { networkController } from './network/reconcile.ts';
import { HttpProvider } from './provider/http-client.ts';
import { costAllocationController } from './cost-allocation/reconcile.ts';
import { closePreviousPeriod } from './invoice/period-close.ts';
import { invoiceController } from './invoice/reconcile.ts';
import { tenantController } from './tenant/reconcile.ts';
import { apiQuotaLookup } from '../webhooks/quota.ts';

/** Where invoice exports go unless OMNICLOUD_EXPORT_DIR says otherwise. */
const defaultExportDir =
  process.env.OMNICLOUD_EXPORT_DIR ?? path.join(os.homedir(), '.cache', 'omnicloud', 'exports');

/** How often the scheduler's view of hosts is rebuilt from the provider and infra_db. */
const placementRefreshMs = 60_000;

function pool(url: string, name: string, log: Logger, max = 5): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max });
  p.on('error', (err) => log.warn({ err: err.message }, `${name} connection error`));
  return p;
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
    exportDir?: string;
  },
): Promise<{ close(): Promise<void> }> {
  for (const db of ['tenants_db', 'infra_db', 'audit_db', 'billing_db'] as MigratedDatabase[]) {
    await migrate(db, endpoints.postgres[db], log);
  }
  const tenantsPool = pool(endpoints.postgres.tenants_db, 'tenants_db', log);
  const infraPool = pool(endpoints.postgres.infra_db, 'infra_db', log, 10);
  const auditPool = pool(endpoints.postgres.audit_db, 'audit_db', log, 3);
  const billingPool = pool(endpoints.postgres.billing_db, 'billing_db', log, 5);
  const provider = new HttpProvider(endpoints.provider);
  const events = startEventPipeline(
    kafkaClient(endpoints.kafkaBrokers, opts.identity, log),
    infraPool,
    auditPool,
    billingPool,
    log,
  );
  const quotaLookup = apiQuotaLookup(kc);
  const placement = new ProviderPlacement(provider, infraPool, log.child({ component: 'placement' }));
  await placement
    .refresh()
    .catch((err: unknown) =>
      log.warn({ err: (err as Error).message }, 'provider not reachable yet; placement waits for it'),
    );
  const refresher = setInterval(() => void placement.refresh().catch(() => undefined), placementRefreshMs);
  refresher.unref();

  const add = <T extends k8s.KubernetesObject>(spec: ControllerSpec<T>) =>
    manager.add(
      new Controller(
        { ...spec, workers: opts.workers, resyncMs: opts.resyncMs, ratePerSecond: opts.queueRatePerSecond },
        kc,
        log,
        eventRecorder(kc, spec.name, opts.identity, log),
      ),
    );
  add(tenantController({ pool: tenantsPool }));
  add(networkController({ pool: infraPool, provider, onOutbox: events.nudge }));
  add(
    computeController({
      quota: async (namespace) => quotaLookup.tenant(namespace),
      pool: infraPool,
      provider,
      placement,
      onOutbox: events.nudge,
      observeIntervalMs: opts.observeIntervalMs,
    }),
  );
  add(costAllocationController({ billingPool, tenantsPool }));
  add(invoiceController({ pool: billingPool, exportDir: opts.exportDir ?? defaultExportDir }));
  const closePeriods = () =>
    closePreviousPeriod(kc, new Date(), log).catch((err: unknown) =>
      log.warn({ err: String(err) }, 'closing the billing period failed; retrying in an hour'),
    );
  void closePeriods();
  const closer = setInterval(closePeriods, 3_600_000);
  closer.unref();
  return {
    async close() {
      clearInterval(refresher);
      clearInterval(closer);
      await events.close();
      await Promise.all([tenantsPool.end(), infraPool.end(), auditPool.end(), billingPool.end()]);
    },
  };
}
