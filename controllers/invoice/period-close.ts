// Closing a billing period: once a calendar month has ended, every tenant that existed during it gets an
// Invoice for it (named after the month) in its namespace. Idempotent: an existing Invoice is left alone,
// so every replica may run it and a restart loses nothing.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Tenant } from '../../crds/schemas/tenant.ts';
import { monthPeriod } from '../billing/domain/period.ts';
import { tenantNamespace } from '../tenant/children.ts';

/** The month before the one `now` is in, as 2026-10 and its period. */
export function previousMonth(now: Date): { name: string; start: Date; end: Date } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth(); // 0-based: the previous month's 1-based number
  const [year, month] = m === 0 ? [y - 1, 12] : [y, m];
  return { name: `${year}-${String(month).padStart(2, '0')}`, ...monthPeriod(year, month) };
}

export async function closePreviousPeriod(kc: k8s.KubeConfig, now: Date, log: Logger): Promise<string[]> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const group = { group: 'omnicloud.io', version: 'v1alpha1' };
  const month = previousMonth(now);
  const tenants = (
    (await custom.listClusterCustomObject({ ...group, plural: 'tenants' })) as {
      items: (Tenant & { metadata: { creationTimestamp?: string } })[];
    }
  ).items;
  const created: string[] = [];
  for (const t of tenants) {
    const since = t.metadata.creationTimestamp ? new Date(t.metadata.creationTimestamp) : undefined;
    if (since && since >= month.end) continue; // not a tenant yet in that month
    if (t.metadata.deletionTimestamp) continue;
    try {
      await custom.createNamespacedCustomObject({
        ...group,
        plural: 'invoices',
        namespace: tenantNamespace(t.metadata.name),
        body: {
          apiVersion: 'omnicloud.io/v1alpha1',
          kind: 'Invoice',
          metadata: { name: month.name, labels: { 'omnicloud.io/period': month.name } },
          spec: { month: month.name },
        },
      });
      created.push(`${t.metadata.name}/${month.name}`);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code !== 409 && code !== 404)
        log.warn(
          { tenant: t.metadata.name, err: String(err) },
          'could not create the invoice of the closed period',
        );
    }
  }
  if (created.length > 0) log.info({ invoices: created }, 'billing period closed');
  return created;
}
