// The Compute kind on the managed reconciler: its spec, its client (client.ts: lifecycle steps in steps.ts,
// observation, remediation), its status and its events. Each step reads the recorded row in infra_db, does one
// thing outside, and records the result with its event in one transaction, so a crash at any line resumes from
// the row: provider calls carry idempotency tokens derived from the row, never a second VM.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { ControllerSpec } from '../../operator/controller.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { computeSpecSchema, type Compute, type ComputeSpec } from '../../crds/schemas/compute.ts';
import { approvePlanAnnotation } from '../../crds/schemas/managed.ts';
import type { ManagedKind } from '../managed/kind.ts';
import type { ZoneObserver } from '../managed/observer.ts';
import { policiesOf } from '../managed/policies.ts';
import { managedController } from '../managed/reconciler.ts';
import { NetworkCacheNotSynced } from '../network/security-groups.ts';
import { IpamRefusal } from '../network/store.ts';
import type { CloudProvider, InstanceInfo, SecurityGroup } from '../provider/types.ts';
import { computeClient, type InstanceState } from './client.ts';
import { computeDriftRules } from './drift-rules.ts';
import type { Placement } from './placement.ts';
import type { TenantLimits } from './quota.ts';
import { ComputeReasons, computeStatus } from './status.ts';
import type { InstanceRow } from './store.ts';
import { describeProblems, specProblems } from './spec-rules.ts';
import { annotationField, annotationProblems } from '../../webhooks/managed.ts';
import { schemaProblems } from '../../webhooks/rules.ts';
import { volumeResource, type VolumeObj } from '../volume/reconcile.ts';
import { computesNaming } from './attachments.ts';

export const computeFinalizer = 'omnicloud.io/compute-cleanup';
export const computeResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Compute',
  plural: 'computes',
  namespaced: true,
};

export interface ComputeDeps {
  pool: Pool;
  provider: CloudProvider;
  placement: Placement;
  onOutbox?: () => void;
  /** The tenant limits of a namespace (undefined when it belongs to no tenant); no quota check without it. */
  quota?: (namespace: string) => Promise<TenantLimits | undefined>;
  /** How often a settled instance is compared with the provider; 30 s by default. */
  observeIntervalMs?: number;
  /** The rules of the named security groups of a network, as its spec gives them. */
  securityGroups?: (namespace: string, network: string, names: readonly string[]) => SecurityGroup[];
  /** Lists each zone's instances once per interval and wakes those that changed. */
  observer?: ZoneObserver<InstanceInfo>;
  log?: Logger;
  /** The Volume of a namespace as the volume controller's cache has it, for spec.volumes. */
  volume?: (namespace: string, name: string) => VolumeObj | undefined;
}

export type ComputeObj = Compute & k8s.KubernetesObject;

export function computeKind(
  deps: ComputeDeps,
): ManagedKind<ComputeObj, ComputeSpec, InstanceRow, InstanceState> {
  return {
    kind: 'Compute',
    resource: computeResource,
    finalizer: computeFinalizer,
    client: computeClient(deps, deps.observer),
    readSpec(obj) {
      const parsed = computeSpecSchema.safeParse(obj.spec);
      const problems = [
        ...(parsed.success ? specProblems(parsed.data) : schemaProblems(parsed.error)),
        // A malformed approve-plan annotation approves nothing and stops nothing: the reconciler shows it.
        ...annotationProblems(obj).filter((p) => p.field !== annotationField(approvePlanAnnotation)),
      ];
      if (problems.length > 0) return { invalid: describeProblems(problems) };
      return { spec: parsed.data! };
    },
    managementOf: policiesOf,
    driftRules: computeDriftRules,
    status: computeStatus,
    phaseEvent(row, before) {
      const from = before.phase;
      const warning = row.phase === 'Failed';
      if (!warning && !['Running', 'Stopped', 'Scheduled'].includes(row.phase)) return undefined;
      const note = warning
        ? `failed (was ${from}): ${row.message ?? 'no reason given'}`
        : row.phase === 'Scheduled'
          ? `placed on host ${row.host_id} in ${row.zone}`
          : `${row.phase.toLowerCase()} (was ${from})`;
      return { warning, reason: warning ? ComputeReasons.ProvisioningFailed : row.phase, note };
    },
    problemOf(err) {
      if (err instanceof IpamRefusal)
        return { reason: ComputeReasons.AddressesExhausted, message: err.message, retryMs: 30_000 };
      if (err instanceof NetworkCacheNotSynced)
        return { reason: ComputeReasons.WaitingForNetwork, message: err.message, retryMs: 1_000 };
      return undefined;
    },
    reasons: {
      InvalidSpec: ComputeReasons.InvalidSpec,
      ProviderUnavailable: ComputeReasons.ProviderUnavailable,
    },
    observeIntervalMs: deps.observeIntervalMs ?? 30_000,
  };
}

export function computeController(deps: ComputeDeps): ControllerSpec<ComputeObj> {
  return {
    ...managedController(computeKind(deps), {
      pool: deps.pool,
      onOutbox: deps.onOutbox,
      observed: () => deps.observer?.active ?? false,
    }),
    // A Compute waiting for a volume of its spec.volumes is woken when that volume changes.
    watches: [
      {
        resource: volumeResource,
        keysFor: (vol, cache) => computesNaming(vol, cache.list(vol.metadata?.namespace)),
      },
    ],
  };
}
