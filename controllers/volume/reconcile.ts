// The Volume controller: drives one block volume through its lifecycle (create, grow, delete) at the
// provider. Each step reads the recorded row in infra_db, does one thing outside, and records the result with
// its event in one transaction, so a crash at any line resumes from the row with nothing created twice.
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import { done, requeueAfter, TerminalError, type Action } from '../../operator/action.ts';
import type { ControllerSpec, ReconcileContext } from '../../operator/controller.ts';
import { addFinalizer, finalizerDecision, removeFinalizer } from '../../operator/finalizer.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { writeStatus } from '../../operator/status.ts';
import { volumeSpecSchema, type Volume, type VolumeSpec } from '../../crds/schemas/volume.ts';
import { withTransaction } from '../compute/store.ts';
import { showingDatabaseOutage } from '../db/unavailable.ts';
import { alreadyShown, invalidSpec } from '../invalid-spec.ts';
import { ProviderUnavailableError, type CloudProvider } from '../provider/types.ts';
import { tenantOfNamespace } from '../tenant/children.ts';
import type { StorageLimit } from './quota.ts';
import { VolumeReasons, volumeStatus, type VolumeProblem } from './status.ts';
import { applyVolumeStep, deleteVolumeStep, type VolumeStepResult } from './steps.ts';
import { readVolume, recordPendingVolume, type VolumeRow } from './store.ts';
import { recordedVolumeSpec, volumeSpecProblems } from './spec-check.ts';

export const volumeFinalizer = 'omnicloud.io/volume-cleanup';
export const volumeResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Volume',
  plural: 'volumes',
  namespaced: true,
};

export interface VolumeDeps {
  pool: Pool;
  provider: CloudProvider;
  onOutbox?: () => void;
  /** The tenant's storage limit for a namespace (undefined when it belongs to no tenant): no check without it. */
  storageLimit?: (namespace: string) => Promise<StorageLimit | undefined>;
  /** How often an available volume is compared with the provider; 30 s by default. */
  observeIntervalMs?: number;
}

export type VolumeObj = Volume & k8s.KubernetesObject;

export function volumeController(deps: VolumeDeps): ControllerSpec<VolumeObj> {
  return {
    name: 'volume',
    resource: volumeResource,
    reconcile: showingDatabaseOutage(volumeResource, 'infra_db', ['Ready', 'Degraded'], (obj, ctx) =>
      reconcileVolume(obj, ctx, deps),
    ),
    async onTerminalError(obj, err, ctx) {
      const problem = {
        reason: (err as TerminalError).reason ?? VolumeReasons.InvalidSpec,
        message: err.message,
      };
      const changed = await writeStatus(
        ctx.kc,
        volumeResource,
        obj,
        volumeStatus(obj, undefined, problem, new Date(ctx.clock.now())),
      );
      // Told once: a resync finds the same problem already shown and says nothing more.
      if (changed) await ctx.events.record(obj, 'Warning', problem.reason, err.message);
    },
  };
}

/** Steps taken in one reconcile before handing back to the queue, so one object cannot hog a worker. */
const maxSteps = 8;

export async function reconcileVolume(
  obj: VolumeObj,
  ctx: ReconcileContext<VolumeObj>,
  deps: VolumeDeps,
): Promise<Action> {
  const decision = finalizerDecision(obj, volumeFinalizer);
  if (decision === 'gone') return done;
  if (decision === 'add-finalizer') {
    await addFinalizer(ctx.kc, volumeResource, obj, volumeFinalizer);
    return done;
  }
  const parsed = volumeSpecSchema.safeParse(obj.spec);
  let row = await readVolume(deps.pool, obj.metadata.uid);
  // Deleting proceeds whatever the spec says.
  const invalid = decision === 'apply' ? invalidSpec(volumeSpecProblems(obj, row)) : undefined;
  // With nothing recorded there is nothing to keep working from, and nothing is created for such a spec.
  if (invalid && (!row || !parsed.success))
    throw new TerminalError(invalid.message, VolumeReasons.InvalidSpec);
  // Once recorded, the volume keeps what was applied (no move, no resize) and the problem is shown beside it.
  const spec =
    invalid && row && parsed.success
      ? recordedVolumeSpec(parsed.data, row)
      : ((parsed.success ? parsed.data : obj.spec) as VolumeSpec);
  const namespace = obj.metadata.namespace!;
  const tenant = tenantOfNamespace(namespace);
  const now = () => new Date(ctx.clock.now());
  if (!row && decision === 'cleanup') {
    await removeFinalizer(ctx.kc, volumeResource, obj, volumeFinalizer);
    return done;
  }
  if (!row) {
    row = await withTransaction(deps.pool, (c) =>
      recordPendingVolume(
        c,
        {
          uid: obj.metadata.uid,
          namespace,
          name: obj.metadata.name,
          region: spec.region,
          zone: spec.zone,
          type: spec.type,
          size_gib: spec.sizeGiB,
          labels: obj.metadata.labels ?? {},
        },
        tenant,
        now(),
      ),
    );
    deps.onOutbox?.();
  }
  const stepCtx = { deps, spec, namespace, tenant, now, log: ctx.log };
  let result: VolumeStepResult = { row, action: done };
  let problem: VolumeProblem | undefined;
  try {
    for (let i = 0; i < maxSteps; i++) {
      const before: VolumeRow = result.row;
      result =
        decision === 'cleanup'
          ? await deleteVolumeStep(stepCtx, before)
          : await applyVolumeStep(stepCtx, before);
      if (result.row.phase !== before.phase) {
        deps.onOutbox?.();
        await recordPhaseEvent(ctx, obj, result.row, before);
      }
      problem = result.problem;
      if (result.action !== 'continue') break;
    }
  } catch (err) {
    if (!(err instanceof ProviderUnavailableError)) throw err;
    problem = {
      reason: VolumeReasons.ProviderUnavailable,
      message: `the cloud provider is unavailable: ${err.message}; retrying`,
    };
    result = { row: result.row, action: requeueAfter(5_000), problem };
  }
  if (decision === 'cleanup' && result.row.phase === 'Deleted') {
    await removeFinalizer(ctx.kc, volumeResource, obj, volumeFinalizer);
    return done;
  }
  if (invalid) problem = invalid;
  await writeStatus(ctx.kc, volumeResource, obj, volumeStatus(obj, result.row, problem, now()), {
    optimistic: true,
  });
  if (invalid && !alreadyShown(obj.status, invalid))
    await ctx.events.record(obj, 'Warning', invalid.reason, invalid.message);
  return result.action === 'continue' ? requeueAfter(0) : result.action;
}

async function recordPhaseEvent(
  ctx: ReconcileContext<VolumeObj>,
  obj: VolumeObj,
  row: VolumeRow,
  before: VolumeRow,
): Promise<void> {
  if (row.phase === 'Failed') {
    await ctx.events.record(
      obj,
      'Warning',
      VolumeReasons.VolumeFailed,
      `failed (was ${before.phase}): ${row.message ?? 'no reason given'}`,
    );
  } else if (row.phase === 'Available' && before.phase === 'Creating') {
    await ctx.events.record(
      obj,
      'Normal',
      VolumeReasons.Available,
      `${row.size_gib} GiB ${row.type} volume available in ${row.zone}`,
    );
  } else if (row.phase === 'Available' && before.phase === 'Resizing' && row.size_gib === before.size_gib) {
    await ctx.events.record(obj, 'Warning', VolumeReasons.ResizeFailed, row.message ?? 'the resize failed');
  } else if (row.phase === 'Available' && before.phase === 'Resizing') {
    await ctx.events.record(
      obj,
      'Normal',
      VolumeReasons.Resizing,
      `grown from ${before.size_gib} to ${row.size_gib} GiB`,
    );
  }
}
