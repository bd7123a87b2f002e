// The Tenant controller: keeps a tenant's namespace, quota, Roles and RoleBindings in place and its row in
// tenants_db. Deleting a tenant cleans up in order behind a finalizer: the OmniCloud resources in its
// namespace first (each runs its own cleanup), then the namespace, then the row is marked deleted.
import * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import { done, requeueAfter, TerminalError, type Action } from '../../operator/action.ts';
import type { ControllerSpec, ReconcileContext } from '../../operator/controller.ts';
import { addFinalizer, finalizerDecision, removeFinalizer } from '../../operator/finalizer.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { applyObject, writeStatus } from '../../operator/status.ts';
import { failureForStatus } from '../failure.ts';
import { invalidSpec } from '../invalid-spec.ts';
import { tenantSpecSchema, type Tenant } from '../../crds/schemas/tenant.ts';
import {
  namespaceFor,
  omnicloudGroup,
  quotaName,
  resourceQuotaFor,
  roleBindingsFor,
  rolesFor,
  tenantNamespace,
  tenantResources,
  managedByLabel,
  managerName,
} from './children.ts';
import { tenantSpecProblems } from './spec-check.ts';
import { activeStatus, invalidStatus, Reasons, terminatingStatus } from './status.ts';
import { markTenantDeleted, upsertTenant } from './store.ts';

export const tenantFinalizer = 'omnicloud.io/tenant-cleanup';
export const tenantResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Tenant',
  plural: 'tenants',
  namespaced: false,
};

const httpCode = (err: unknown): number | undefined => (err as { code?: number }).code;

export interface TenantDeps {
  pool: Pool;
}

const ownedSelector = `${managedByLabel}=${managerName}`;

export function tenantController(deps: TenantDeps): ControllerSpec<Tenant & k8s.KubernetesObject> {
  return {
    name: 'tenant',
    resource: tenantResource,
    owns: [
      // Only what the operator made: the cache holds no other Namespace or ResourceQuota of the cluster.
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        plural: 'namespaces',
        namespaced: false,
        labelSelector: ownedSelector,
      },
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        plural: 'resourcequotas',
        namespaced: true,
        labelSelector: ownedSelector,
      },
    ],
    reconcile: (tenant, ctx) => reconcileTenant(tenant, ctx, deps),
    async onTerminalError(tenant, err, ctx) {
      const changed = await writeStatus(
        ctx.kc,
        tenantResource,
        tenant,
        invalidStatus(tenant, err.message, new Date(ctx.clock.now())),
      );
      // Told once: a resync finds the same problem already shown and says nothing more.
      if (changed)
        await ctx.events.record(
          tenant,
          'Warning',
          (err as TerminalError).reason ?? Reasons.InvalidSpec,
          err.message,
        );
    },
  };
}

export async function reconcileTenant(
  tenant: Tenant,
  ctx: ReconcileContext<Tenant & k8s.KubernetesObject>,
  deps: TenantDeps,
): Promise<Action> {
  switch (finalizerDecision(tenant, tenantFinalizer)) {
    case 'gone':
      return done;
    case 'add-finalizer':
      // Nothing outside the cluster is written before the finalizer is there; the patch wakes us again.
      await addFinalizer(ctx.kc, tenantResource, tenant, tenantFinalizer);
      return done;
    case 'cleanup':
      try {
        return await cleanup(tenant, ctx, deps);
      } catch (err) {
        // Show why deletion is stuck; the error still goes back to the queue for a retry with backoff.
        const message = `cleanup failed, retrying: ${failureForStatus(err)}`;
        await writeStatus(
          ctx.kc,
          tenantResource,
          tenant,
          terminatingStatus(tenant, Reasons.CleanupFailed, message, new Date(ctx.clock.now())),
        ).catch(() => undefined);
        throw err;
      }
    case 'apply':
      return apply(tenant, ctx, deps);
  }
}

async function apply(
  tenant: Tenant,
  ctx: ReconcileContext<Tenant & k8s.KubernetesObject>,
  deps: TenantDeps,
): Promise<Action> {
  // Nothing is applied for a spec the webhook would refuse: the namespace, quota and roles stay as last applied.
  // A networks quota below the usage last recorded is judged by what the quota counts now: the recorded
  // usage is only refreshed by an apply, so networks deleted since must lift the refusal by themselves.
  const recorded = tenant.status?.quotaUsage?.networks ?? 0;
  const asked = Number((tenant.spec as { quotas?: { networks?: unknown } }).quotas?.networks);
  const inUse = asked < recorded ? await networksCounted(ctx.kc, tenant.metadata.name) : recorded;
  const invalid = invalidSpec(tenantSpecProblems(tenant, inUse));
  const parsed = tenantSpecSchema.safeParse(tenant.spec);
  if (invalid || !parsed.success)
    throw new TerminalError(invalid?.message ?? 'spec is invalid', Reasons.InvalidSpec);
  const spec = { ...tenant, spec: parsed.data };
  const now = new Date(ctx.clock.now());
  let mirrored = true;
  let mirrorError: string | undefined;
  try {
    await upsertTenant(deps.pool, spec);
  } catch (err) {
    mirrored = false;
    mirrorError = failureForStatus(err);
  }
  await applyObject(ctx.kc, namespaceFor(spec));
  const quota = await applyObject(ctx.kc, resourceQuotaFor(spec));
  for (const role of rolesFor(spec)) await applyObject(ctx.kc, role);
  for (const binding of roleBindingsFor(spec)) await applyObject(ctx.kc, binding);
  const networksUsed = networksIn(quota);
  const namespace = tenantNamespace(tenant.metadata.name);
  const status = activeStatus(spec, { namespace, networksUsed, mirrored, mirrorError }, now);
  const before = tenant.status?.phase;
  await writeStatus(ctx.kc, tenantResource, tenant, status);
  if (before !== status.phase) {
    await ctx.events.record(
      tenant,
      'Normal',
      status.phase === 'Suspended' ? Reasons.SuspendedBySpec : Reasons.Provisioned,
      `tenant is ${status.phase}: namespace ${namespace}`,
    );
  }
  // The database row is retried with backoff; everything in the cluster is already in place.
  if (!mirrored) throw new Error(`tenants_db: ${mirrorError}`);
  return done;
}

function networksIn(quota: k8s.V1ResourceQuota): number {
  return Number(quota.status?.used?.[`count/networks.${omnicloudGroup}`] ?? 0);
}

/** The networks the tenant's ResourceQuota counts now (none before it exists). */
async function networksCounted(kc: k8s.KubeConfig, tenant: string): Promise<number> {
  try {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    return networksIn(
      await core.readNamespacedResourceQuota({ name: quotaName, namespace: tenantNamespace(tenant) }),
    );
  } catch (err) {
    if (httpCode(err) === 404) return 0;
    throw err;
  }
}

async function remainingResources(
  kc: k8s.KubeConfig,
  namespace: string,
): Promise<{ plural: string; name: string }[]> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const found: { plural: string; name: string }[] = [];
  for (const plural of tenantResources) {
    try {
      const list = (await api.listNamespacedCustomObject({
        group: omnicloudGroup,
        version: 'v1alpha1',
        namespace,
        plural,
      })) as {
        items: k8s.KubernetesObject[];
      };
      for (const item of list.items) found.push({ plural, name: item.metadata!.name! });
    } catch (err) {
      if (httpCode(err) !== 404) throw err; // 404: that kind is not installed in this cluster
    }
  }
  return found;
}

async function cleanup(
  tenant: Tenant,
  ctx: ReconcileContext<Tenant & k8s.KubernetesObject>,
  deps: TenantDeps,
): Promise<Action> {
  const now = new Date(ctx.clock.now());
  const namespace = tenantNamespace(tenant.metadata.name);
  const remaining = await remainingResources(ctx.kc, namespace);
  if (remaining.length > 0) {
    const api = ctx.kc.makeApiClient(k8s.CustomObjectsApi);
    for (const r of remaining) {
      await api
        .deleteNamespacedCustomObject({
          group: omnicloudGroup,
          version: 'v1alpha1',
          namespace,
          plural: r.plural,
          name: r.name,
        })
        .catch((err: unknown) => {
          if (httpCode(err) !== 404) throw err;
        });
    }
    const names = remaining
      .slice(0, 5)
      .map((r) => `${r.plural}/${r.name}`)
      .join(', ');
    const message = `deleting ${remaining.length} resource(s) in ${namespace} before the namespace: ${names}${remaining.length > 5 ? ', …' : ''}`;
    await writeStatus(
      ctx.kc,
      tenantResource,
      tenant,
      terminatingStatus(tenant, Reasons.WaitingForResources, message, now),
    );
    return requeueAfter(2000);
  }
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  try {
    await core.readNamespace({ name: namespace });
    await core.deleteNamespace({ name: namespace }).catch((err: unknown) => {
      if (httpCode(err) !== 404) throw err;
    });
    const message = `waiting for namespace ${namespace} to be deleted`;
    await writeStatus(
      ctx.kc,
      tenantResource,
      tenant,
      terminatingStatus(tenant, Reasons.WaitingForNamespace, message, now),
    );
    return requeueAfter(1000);
  } catch (err) {
    if (httpCode(err) !== 404) throw err;
  }
  await markTenantDeleted(deps.pool, tenant.metadata.name, tenant.metadata.uid);
  await removeFinalizer(ctx.kc, tenantResource, tenant, tenantFinalizer);
  return done;
}
