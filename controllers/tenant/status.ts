// The status a Tenant should show, computed from what the reconcile observed. Pure.
import { setCondition, type Condition } from '../../operator/conditions.ts';
import type { Tenant, TenantStatus } from '../../crds/schemas/tenant.ts';

export const Reasons = {
  Provisioned: 'Provisioned',
  SuspendedBySpec: 'SuspendedBySpec',
  NotSuspended: 'NotSuspended',
  Mirrored: 'Mirrored',
  DatabaseUnavailable: 'DatabaseUnavailable',
  InvalidSpec: 'InvalidSpec',
  WaitingForResources: 'WaitingForResources',
  WaitingForNamespace: 'WaitingForNamespace',
  CleanupFailed: 'CleanupFailed',
} as const;

export interface Observed {
  namespace: string;
  networksUsed: number;
  mirrored: boolean;
  mirrorError?: string;
}

export function activeStatus(tenant: Tenant, observed: Observed, now: Date): TenantStatus {
  const gen = tenant.metadata.generation;
  const prev = tenant.status?.conditions as Condition[] | undefined;
  const suspended = tenant.spec.suspended ?? false;
  let conditions = setCondition(
    prev,
    suspended
      ? {
          type: 'Suspended',
          status: 'True',
          reason: Reasons.SuspendedBySpec,
          message:
            'spec.suspended is true: new networks and instances are refused in this tenant; existing ones keep running',
        }
      : {
          type: 'Suspended',
          status: 'False',
          reason: Reasons.NotSuspended,
          message: 'the tenant may provision resources',
        },
    now,
    gen,
  );
  conditions = setCondition(
    conditions,
    observed.mirrored
      ? {
          type: 'Mirrored',
          status: 'True',
          reason: Reasons.Mirrored,
          message: 'the tenant row in tenants_db is up to date',
        }
      : {
          type: 'Mirrored',
          status: 'False',
          reason: Reasons.DatabaseUnavailable,
          message: `could not write the tenant row to tenants_db: ${observed.mirrorError ?? 'unknown error'}; retrying`,
        },
    now,
    gen,
  );
  conditions = setCondition(
    conditions,
    {
      type: 'Ready',
      status: 'True',
      reason: Reasons.Provisioned,
      message: `namespace ${observed.namespace}, its quota and access rules are in place`,
    },
    now,
    gen,
  );
  return {
    namespace: observed.namespace,
    phase: suspended ? 'Suspended' : 'Active',
    observedGeneration: gen,
    conditions,
    quotaUsage: { networks: observed.networksUsed },
  };
}

export function terminatingStatus(tenant: Tenant, reason: string, message: string, now: Date): TenantStatus {
  const conditions = setCondition(
    tenant.status?.conditions as Condition[] | undefined,
    { type: 'Ready', status: 'False', reason, message },
    now,
    tenant.metadata.generation,
  );
  return {
    ...tenant.status,
    phase: 'Terminating',
    observedGeneration: tenant.metadata.generation,
    conditions,
  };
}

export function invalidStatus(tenant: Tenant, message: string, now: Date): TenantStatus {
  const conditions = setCondition(
    tenant.status?.conditions as Condition[] | undefined,
    { type: 'Ready', status: 'False', reason: Reasons.InvalidSpec, message },
    now,
    tenant.metadata.generation,
  );
  // A tenant already in place stays so (its namespace, quota and roles as last applied); only Ready says no.
  const phase = tenant.status?.phase;
  const inPlace = tenant.status?.namespace && (phase === 'Active' || phase === 'Suspended');
  return {
    ...tenant.status,
    phase: inPlace ? phase : 'Failed',
    observedGeneration: tenant.metadata.generation,
    conditions,
  };
}
