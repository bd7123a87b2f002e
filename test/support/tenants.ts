// Tenant objects and reads for tests.
import * as k8s from '@kubernetes/client-node';
import type { Tenant } from '../../crds/schemas/tenant.ts';
import { eventually, httpStatus } from './kube.ts';

export const tenantsApi = { group: 'omnicloud.io', version: 'v1alpha1', plural: 'tenants' };

export function tenantManifest(name: string, spec: Partial<Tenant['spec']> = {}): object {
  return {
    apiVersion: 'omnicloud.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name },
    spec: {
      displayName: `Tenant ${name}`,
      admins: [],
      viewers: [],
      quotas: { vcpu: 16, memory: '64Gi', storage: '1Ti', networks: 3, publicIPs: 2 },
      billingCurrency: 'EUR',
      tier: 'standard',
      ...spec,
    },
  };
}

/** Creates a tenant and waits until it is Ready (its namespace, quota and roles exist). */
export async function createReadyTenant(
  kc: k8s.KubeConfig,
  name: string,
  spec: Partial<Tenant['spec']> = {},
): Promise<Tenant> {
  await kc
    .makeApiClient(k8s.CustomObjectsApi)
    .createClusterCustomObject({ ...tenantsApi, body: tenantManifest(name, spec) });
  return waitForTenant(kc, name, 'Ready', readyAndCurrent);
}

export async function readTenant(kc: k8s.KubeConfig, name: string): Promise<Tenant | undefined> {
  try {
    return (await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .getClusterCustomObject({ ...tenantsApi, name })) as Tenant;
  } catch (err) {
    if (httpStatus(err) === 404) return undefined;
    throw err;
  }
}

export function waitForTenant(
  kc: k8s.KubeConfig,
  name: string,
  what: string,
  test: (t: Tenant) => boolean,
  timeoutMs = 60_000,
): Promise<Tenant> {
  return eventually(
    `tenant ${name}: ${what}`,
    async () => {
      const t = await readTenant(kc, name);
      return t && test(t) ? t : undefined;
    },
    timeoutMs,
  );
}

export function readyAndCurrent(t: Tenant): boolean {
  return (
    t.status?.observedGeneration === t.metadata.generation &&
    (t.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/**
 * Deletes tenants and waits until their finalizers have run (an operator must be running; pass
 * `withCleaner` to start one for the purpose). Best effort: it is for test clean-up.
 */
export async function deleteTenants(
  kc: k8s.KubeConfig,
  names: string[],
  withCleaner = false,
  timeoutMs = 90_000,
): Promise<void> {
  const { startOperator } = await import('./operator.ts');
  const { uniqueName } = await import('./kube.ts');
  const cleaner = withCleaner
    ? await startOperator(uniqueName('cleaner'), { OMNICLOUD_LEADER_ELECTION: 'false' })
    : undefined;
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  try {
    for (const name of names)
      await custom.deleteClusterCustomObject({ ...tenantsApi, name }).catch(() => undefined);
    for (const name of names) {
      await eventually(
        `${name} gone`,
        async () => ((await readTenant(kc, name)) ? undefined : true),
        timeoutMs,
      ).catch(() => undefined);
    }
  } finally {
    await cleaner?.stop();
  }
}
