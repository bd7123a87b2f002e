// The StateSnapshot controller: takes a snapshot of its tenant's state when one is due (at once, then every
// `spec.schedule.every` after the last), prunes the tenant's snapshots to `spec.keep`, and shows the last one.
// When the S3 server cannot be reached it says S3Unavailable (Ready and Synced) and retries with backoff.
import type * as k8s from '@kubernetes/client-node';
import * as Minio from 'minio';
import type { Pool } from 'pg';
import { requeueAfter, TerminalError, type Action, done } from '../../operator/action.ts';
import type { ControllerSpec, ReconcileContext } from '../../operator/controller.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { writeStatus } from '../../operator/status.ts';
import { stateSnapshotSpecSchema, type StateSnapshot } from '../../crds/schemas/state-snapshot.ts';
import { validateStateSnapshot } from '../../webhooks/state-snapshot.ts';
import { isS3Unavailable, s3FailureMessage, untilAborted } from '../backing/s3-unavailable.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { failureForStatus } from '../failure.ts';
import { invalidSpec } from '../invalid-spec.ts';
import { tenantOfNamespace } from '../tenant/children.ts';
import { NothingToSnapshot } from './collect.ts';
import { dueInMs, durationMs } from './retention.ts';
import { failedStatus, SnapshotReasons, takenStatus } from './status.ts';
import { listSnapshots, pruneSnapshots, snapshotStore, type SnapshotStore } from './store.ts';
import { operatorS3Client } from '../backing/s3.ts';
import type { S3Endpoint } from '../../operator/endpoints.ts';
import { takeSnapshot } from './take.ts';

export const stateSnapshotResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'StateSnapshot',
  plural: 'statesnapshots',
  namespaced: true,
};

export interface StateSnapshotDeps {
  infra: Pool;
  store: SnapshotStore;
}

/** The deps from the operator's endpoints: infra_db's pool and the operator's S3 client. */
export const stateSnapshotDeps = (infra: Pool, s3: S3Endpoint): StateSnapshotDeps => ({
  infra,
  store: snapshotStore(operatorS3Client(s3), s3.region),
});

type Obj = StateSnapshot & k8s.KubernetesObject;

/** The tenant is read from the namespace, so only a tenant's namespace has one. */
export const isTenantNamespace = (namespace: string): boolean => /^tenant-[a-z0-9]/.test(namespace);

/** A snapshot not taken: its reason goes to Synced as well as Ready, and the reconcile is retried. */
export class SnapshotNotTaken extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function stateSnapshotController(deps: StateSnapshotDeps): ControllerSpec<Obj> {
  return {
    name: 'state-snapshot',
    resource: stateSnapshotResource,
    reconcile: (obj, ctx) => reconcileStateSnapshot(obj, ctx, deps),
    describeFailure: (err) =>
      err instanceof SnapshotNotTaken
        ? { reason: err.reason, message: err.message }
        : {
            reason: isDatabaseUnavailable(err) ? 'DatabaseUnavailable' : 'ReconcileError',
            message: failureForStatus(err),
          },
    async onTerminalError(obj, err, ctx) {
      const reason = (err as TerminalError).reason ?? SnapshotReasons.InvalidSpec;
      const now = new Date(ctx.clock.now());
      if (
        await writeStatus(ctx.kc, stateSnapshotResource, obj, failedStatus(obj, reason, err.message, now))
      ) {
        await ctx.events.record(obj, 'Warning', reason, err.message);
      }
    },
  };
}

export async function reconcileStateSnapshot(
  obj: Obj,
  ctx: ReconcileContext<Obj>,
  deps: StateSnapshotDeps,
): Promise<Action> {
  if (obj.metadata.deletionTimestamp) return done;
  const invalid = invalidSpec(validateStateSnapshot('CREATE', obj));
  const parsed = stateSnapshotSpecSchema.safeParse(obj.spec);
  if (invalid || !parsed.success) {
    throw new TerminalError(invalid?.message ?? 'spec is invalid', SnapshotReasons.InvalidSpec);
  }
  const spec = parsed.data;
  const everyMs = durationMs(spec.schedule.every)!;
  const now = new Date(ctx.clock.now());
  const last = obj.status?.lastSnapshot?.takenAt;
  const wait = dueInMs(last ? new Date(last) : undefined, everyMs, now);
  // Not due, and the status already says so for this generation: come back when it is.
  if (wait > 0 && obj.status?.observedGeneration === obj.metadata.generation) return requeueAfter(wait);
  const namespace = obj.metadata.namespace!;
  if (!isTenantNamespace(namespace)) {
    throw new TerminalError(
      `a StateSnapshot lives in its tenant's namespace (tenant-<name>), not ${namespace}`,
      SnapshotReasons.NotInTenantNamespace,
    );
  }
  const tenant = tenantOfNamespace(namespace);
  try {
    if (wait > 0) {
      // A changed spec (say, a smaller keep) is applied at once; the schedule still runs from the last snapshot.
      const kept = await untilAborted(
        pruneSnapshots(deps.store, tenant, spec.keep, now).then(
          async () => (await listSnapshots(deps.store, tenant)).length,
        ),
        ctx.signal,
      );
      const status = {
        ...obj.status!,
        observedGeneration: obj.metadata.generation,
        snapshots: kept,
        nextSnapshotAt: new Date(new Date(last!).getTime() + everyMs).toISOString(),
      };
      await writeStatus(ctx.kc, stateSnapshotResource, obj, status, { written: ctx.wrote });
      return requeueAfter(wait);
    }
    const [manifest, kept] = await untilAborted(
      (async () => {
        const taken = await takeSnapshot(ctx.kc, deps.infra, deps.store, tenant, now);
        await pruneSnapshots(deps.store, tenant, spec.keep, now);
        return [taken, (await listSnapshots(deps.store, tenant)).length] as const;
      })(),
      ctx.signal,
    );
    const next = new Date(now.getTime() + everyMs);
    await writeStatus(
      ctx.kc,
      stateSnapshotResource,
      obj,
      takenStatus(obj, deps.store.bucket, manifest, kept, next, now),
      { written: ctx.wrote },
    );
    ctx.log.info({ tenant, id: manifest.id, bytes: manifest.sizeBytes }, 'state snapshot taken');
    return requeueAfter(everyMs);
  } catch (err) {
    if (err instanceof NothingToSnapshot) throw new TerminalError(err.message, 'NoTenantNamespace');
    // Only the S3 server's failures are this kind's to explain; others go to the runtime's Synced as they are.
    const s3 = isS3Unavailable(err);
    if (!s3 && !(err instanceof Minio.S3Error)) throw err;
    const reason = s3 ? SnapshotReasons.S3Unavailable : SnapshotReasons.SnapshotFailed;
    const message = `no snapshot taken: ${s3FailureMessage(err)}`;
    ctx.log.warn({ err: String(err), tenant }, 'state snapshot failed; retrying');
    await writeStatus(ctx.kc, stateSnapshotResource, obj, failedStatus(obj, reason, message, now), {
      written: ctx.wrote,
    });
    throw new SnapshotNotTaken(reason, message);
  }
}
