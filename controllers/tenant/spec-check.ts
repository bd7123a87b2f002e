// Whether the Tenant controller may act on a spec, by the admission webhook's rules (webhooks/tenant.ts): the
// name its namespace is made from, subjects listed once, and a networks quota not below what is in use. The
// spec is judged as an update of the tenant as it stands, so the usage the webhook would read from the old
// object is the one this controller recorded in status, or one counted since. Pure.
import type { Tenant } from '../../crds/schemas/tenant.ts';
import type { Problem } from '../../webhooks/review.ts';
import { validateTenant } from '../../webhooks/tenant.ts';

/**
 * Why the controller cannot act on the tenant's spec; empty when it can. `networksInUse` is what the tenant's
 * quota counts now, when the caller read it; otherwise the usage recorded in status stands.
 */
export function tenantSpecProblems(
  tenant: Tenant,
  networksInUse = tenant.status?.quotaUsage?.networks,
): Problem[] {
  return validateTenant('UPDATE', tenant, { status: { quotaUsage: { networks: networksInUse } } });
}
