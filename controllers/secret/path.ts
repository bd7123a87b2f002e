// Where a ManagedSecret's value lives under the KV v2 mount: tenants/<tenant>/<namespace>/<name> for one it
// creates, or a path named by the omnicloud.io/external-name annotation for one it adopts. A path of another
// tenant's tree is refused for adoption before the Vault API is asked about it. Pure.

/** The tree every tenant's created values live in. */
export const tenantsTree = 'tenants';

export function secretPath(tenant: string, namespace: string, name: string): string {
  return `${tenantsTree}/${tenant}/${namespace}/${name}`;
}

const segment = /^[A-Za-z0-9._-]{1,128}$/;

/** Why `path` cannot be adopted by an object of `tenant`, or undefined when it can. */
export function adoptionPathProblem(path: string, tenant: string): string | undefined {
  const accepted =
    'it must be a path under the omnicloud/ KV mount such as apps/billing/db-password: 1 to 8 parts of letters, digits, ".", "_" and "-", joined by "/"';
  const parts = path.split('/');
  if (parts.length > 8 || parts.some((p) => !segment.test(p) || p === '.' || p === '..'))
    return `is not a secret path: ${accepted}`;
  if (parts[0] === tenantsTree && parts[1] !== tenant)
    return `names another tenant's secret; ${tenantsTree}/<tenant>/ holds each tenant's own`;
  return undefined;
}
