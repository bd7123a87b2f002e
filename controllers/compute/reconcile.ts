// The Compute controller: drives one instance through its lifecycle. Each step reads the recorded row in
// infra_db, does one thing outside (schedule, call the provider, poll), and records the result with its
// event in one transaction, so a crash at any line resumes from the row: provider calls carry idempotency
// tokens derived from the row, so a repeated call returns the first call's operation instead of a second VM.
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import { done, requeueAfter, TerminalError, type Action } from '../../operator/action.ts';
import type { ControllerSpec, ReconcileContext } from '../../operator/controller.ts';
import { addFinalizer, finalizerDecision, removeFinalizer } from '../../operator/finalizer.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { writeStatus } from '../../operator/status.ts';
import { computeSpecSchema, type Compute, type ComputeSpec } from '../../crds/schemas/compute.ts';
import { showingDatabaseOutage } from '../db/unavailable.ts';
import { IpamRefusal } from '../network/store.ts';
import { ProviderUnavailableError, type CloudProvider } from '../provider/types.ts';
import { tenantOfNamespace } from '../tenant/children.ts';
import { provisionStep, terminateStep, type StepResult } from './steps.ts';
import type { Placement } from './placement.ts';
import type { TenantLimits } from './quota.ts';
import { ComputeReasons, computeStatus, type ComputeProblem } from './status.ts';
import { readInstance, recordPending, withTransaction, type InstanceRow } from './store.ts';
import { demandOf } from './resources.ts';
import { describeProblems, specProblems } from './spec-rules.ts';

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
}

export type ComputeObj = Compute & k8s.KubernetesObject;

export function computeController(deps: ComputeDeps): ControllerSpec<ComputeObj> {
  return {
    name: 'compute',
    resource: computeResource,
    reconcile: showingDatabaseOutage(computeResource, 'infra_db', ['Ready', 'Degraded'], (obj, ctx) =>
      reconcileCompute(obj, ctx, deps),
    ),
    async onTerminalError(obj, err, ctx) {
      const problem = {
        reason: (err as TerminalError).reason ?? ComputeReasons.InvalidSpec,
        message: err.message,
      };
      const changed = await writeStatus(
        ctx.kc,
        computeResource,
        obj,
        computeStatus(obj, undefined, problem, new Date(ctx.clock.now())),
      );
      // Told once: a resync finds the same problem already shown and says nothing more.
      if (changed) await ctx.events.record(obj, 'Warning', problem.reason, err.message);
    },
  };
}

/** Steps taken in one reconcile before handing back to the queue, so one object cannot hog a worker. */
const maxSteps = 8;

export async function reconcileCompute(
  obj: ComputeObj,
  ctx: ReconcileContext<ComputeObj>,
  deps: ComputeDeps,
): Promise<Action> {
  const decision = finalizerDecision(obj, computeFinalizer);
  if (decision === 'gone') return done;
  if (decision === 'add-finalizer') {
    await addFinalizer(ctx.kc, computeResource, obj, computeFinalizer);
    return done;
  }
  const parsed = computeSpecSchema.safeParse(obj.spec);
  const problems = parsed.success
    ? specProblems(parsed.data)
    : parsed.error.issues.map((i) => ({ field: ['spec', ...i.path].join('.'), message: i.message }));
  // Nothing is recorded or reserved for a spec the controller cannot act on; deleting it still runs below.
  if (problems.length > 0 && decision === 'apply') {
    throw new TerminalError(describeProblems(problems), ComputeReasons.InvalidSpec);
  }
  const spec = (parsed.success ? parsed.data : obj.spec) as ComputeSpec;
  const now = () => new Date(ctx.clock.now());
  const tenant = tenantOfNamespace(obj.metadata.namespace!);
  let row = await readInstance(deps.pool, obj.metadata.uid);
  if (!row && decision === 'cleanup') {
    await removeFinalizer(ctx.kc, computeResource, obj, computeFinalizer);
    return done;
  }
  if (!row) {
    const demand = demandOf(spec);
    row = await withTransaction(deps.pool, (c) =>
      recordPending(
        c,
        {
          uid: obj.metadata.uid,
          namespace: obj.metadata.namespace!,
          name: obj.metadata.name,
          region: spec.region,
          zone: spec.zone ?? null,
          vcpu: demand.vcpu,
          memory_mib: demand.memoryMiB,
          gpu: demand.gpu,
          labels: obj.metadata.labels ?? {},
          placement_group: spec.placement.group?.name ?? null,
          placement_strategy: spec.placement.group?.strategy ?? null,
          public_ip_requested: spec.publicIp,
        },
        tenant,
        now(),
      ),
    );
    deps.onOutbox?.();
  }
  const stepCtx = { deps, obj, spec, tenant, now, log: ctx.log };
  let result: StepResult = { row, action: done };
  let problem: ComputeProblem | undefined;
  try {
    for (let i = 0; i < maxSteps; i++) {
      const before = result.row.phase;
      result =
        decision === 'cleanup'
          ? await terminateStep(stepCtx, result.row)
          : await provisionStep(stepCtx, result.row);
      if (result.row.phase !== before) {
        deps.onOutbox?.();
        await recordPhaseEvent(ctx, obj, result.row, before);
      }
      problem = result.problem;
      if (result.action !== 'continue') break;
    }
  } catch (err) {
    if (err instanceof ProviderUnavailableError) {
      problem = {
        reason: ComputeReasons.ProviderUnavailable,
        message: `the cloud provider is unavailable: ${err.message}; retrying`,
      };
      result = { row: result.row, action: requeueAfter(5_000), problem };
    } else if (err instanceof IpamRefusal) {
      problem = { reason: ComputeReasons.AddressesExhausted, message: err.message };
      result = { row: result.row, action: requeueAfter(30_000), problem };
    } else {
      throw err;
    }
  }
  if (decision === 'cleanup' && result.row.phase === 'Terminated') {
    await removeFinalizer(ctx.kc, computeResource, obj, computeFinalizer);
    return done;
  }
  await writeStatus(ctx.kc, computeResource, obj, computeStatus(obj, result.row, problem, now()), {
    optimistic: true,
  });
  return result.action === 'continue' ? requeueAfter(0) : result.action;
}

async function recordPhaseEvent(
  ctx: ReconcileContext<ComputeObj>,
  obj: ComputeObj,
  row: InstanceRow,
  from: string,
): Promise<void> {
  const warning = row.phase === 'Failed';
  if (!warning && !['Running', 'Stopped', 'Scheduled'].includes(row.phase)) return;
  const note = warning
    ? `failed (was ${from}): ${row.message ?? 'no reason given'}`
    : row.phase === 'Scheduled'
      ? `placed on host ${row.host_id} in ${row.zone}`
      : `${row.phase.toLowerCase()} (was ${from})`;
  await ctx.events.record(
    obj,
    warning ? 'Warning' : 'Normal',
    warning ? ComputeReasons.ProvisioningFailed : row.phase,
    note,
  );
}
