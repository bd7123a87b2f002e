// The OmniCloud controllers, wired to their backing systems.
import type * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import type { Logger } from 'pino';
import { Controller } from '../operator/controller.ts';
import { eventRecorder } from '../operator/events.ts';
import type { Manager } from '../operator/manager.ts';
import type { Endpoints } from '../hack/stack/endpoints.ts';
import { migrate } from './db/migrate.ts';
import { tenantController } from './tenant/reconcile.ts';

export async function registerControllers(
  manager: Manager,
  kc: k8s.KubeConfig,
  endpoints: Endpoints,
  log: Logger,
  opts: { workers: number; resyncMs: number; identity: string },
): Promise<{ close(): Promise<void> }> {
  await migrate('tenants_db', endpoints.postgres.tenants_db, log);
  const tenantsPool = new pg.Pool({ connectionString: endpoints.postgres.tenants_db, max: 5 });
  tenantsPool.on('error', (err) => log.warn({ err: err.message }, 'tenants_db connection error'));
  const tenant = tenantController({ pool: tenantsPool });
  manager.add(
    new Controller(
      { ...tenant, workers: opts.workers, resyncMs: opts.resyncMs },
      kc,
      log,
      eventRecorder(kc, 'tenant', opts.identity, log),
    ),
  );
  return { close: () => tenantsPool.end() };
}
