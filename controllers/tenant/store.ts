// The tenants_db mirror of Tenant objects, so billing can join on tenants. Writes are idempotent upserts that
// never move a row backwards: an older generation of the same tenant cannot overwrite a newer one. A Tenant
// created again under a deleted one's name (a new uid) starts a new tenure: created_at is the new object's,
// and tenant_tenures (kept by a trigger, migration 0002) keeps the earlier tenures for cost allocation.
import type { Pool } from 'pg';
import type { Tenant } from '../../crds/schemas/tenant.ts';
import { tenantNamespace } from './children.ts';

export interface TenantRow {
  name: string;
  uid: string;
  displayName: string;
  namespace: string;
  billingCurrency: string;
  tier: string;
  suspended: boolean;
  generation: number;
  deletedAt: Date | null;
}

/** When the Tenant object was created, as the API server stamped it (now, if it did not say). */
export function createdAt(tenant: Tenant): Date {
  const stamp = (tenant.metadata as { creationTimestamp?: string | Date }).creationTimestamp;
  const at = stamp ? new Date(stamp) : new Date(NaN);
  return Number.isNaN(at.getTime()) ? new Date() : at;
}

export async function upsertTenant(pool: Pool, tenant: Tenant): Promise<void> {
  const { spec, metadata } = tenant;
  await pool.query(
    `INSERT INTO tenants (name, uid, display_name, namespace, billing_currency, tier, suspended, quotas, generation,
       created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (name) DO UPDATE SET
       uid = EXCLUDED.uid, display_name = EXCLUDED.display_name, namespace = EXCLUDED.namespace,
       billing_currency = EXCLUDED.billing_currency, tier = EXCLUDED.tier, suspended = EXCLUDED.suspended,
       quotas = EXCLUDED.quotas, generation = EXCLUDED.generation, updated_at = now(), deleted_at = NULL,
       created_at = CASE WHEN tenants.uid <> EXCLUDED.uid THEN EXCLUDED.created_at ELSE tenants.created_at END
     WHERE tenants.uid <> EXCLUDED.uid OR tenants.generation < EXCLUDED.generation`,
    [
      metadata.name,
      metadata.uid,
      spec.displayName,
      tenantNamespace(metadata.name),
      spec.billingCurrency,
      spec.tier ?? 'standard',
      spec.suspended ?? false,
      JSON.stringify(spec.quotas),
      metadata.generation ?? 0,
      createdAt(tenant),
    ],
  );
}

/** Keeps the row (invoices refer to it) but marks the tenant deleted. */
export async function markTenantDeleted(pool: Pool, name: string, uid: string): Promise<void> {
  await pool.query(
    `UPDATE tenants SET deleted_at = now(), updated_at = now() WHERE name = $1 AND uid = $2 AND deleted_at IS NULL`,
    [name, uid],
  );
}

export async function readTenantRow(pool: Pool, name: string): Promise<TenantRow | undefined> {
  const { rows } = await pool.query(
    `SELECT name, uid, display_name, namespace, billing_currency, tier, suspended, generation, deleted_at
       FROM tenants WHERE name = $1`,
    [name],
  );
  const r = rows[0] as Record<string, unknown> | undefined;
  if (!r) return undefined;
  return {
    name: String(r.name),
    uid: String(r.uid),
    displayName: String(r.display_name),
    namespace: String(r.namespace),
    billingCurrency: String(r.billing_currency),
    tier: String(r.tier),
    suspended: Boolean(r.suspended),
    generation: Number(r.generation),
    deletedAt: (r.deleted_at as Date | null) ?? null,
  };
}
