// Whether the Tenant controller may act on a spec, by the admission webhook's rules (webhooks/tenant.ts): the
// name its namespace is made from, subjects listed once, and a networks quota not below what is in use. The
// spec is judged as an update of the tenant as it stands, so the usage the webhook would read from the old
// object is the one this controller last recorded in status. Pure.
import type { Tenant } from '../../crds/schemas/tenant.ts';
import type { Problem } from '../../webhooks/review.ts';
import { validateTenant } from '../../webhooks/tenant.ts';

/** Why the controller cannot act on the tenant's spec; empty when it can. */
export function tenantSpecProblems(tenant: Tenant): Problem[] {
  return validateTenant('UPDATE', tenant, { status: tenant.status });
}
