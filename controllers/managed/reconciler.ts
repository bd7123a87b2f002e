// The managed reconciler: one shell for every kind backed by an outside system. It owns the finalizer, the
// crash-safe intent record (the kind's row and its event, written before each outside call), management and
// deletion policies, adoption by the external-name annotation, the create and delete step loops, drift (see
// drift-step.ts), the one status write, conditions and requeue. A kind brings its spec, its client and its
// lifecycle (see kind.ts).
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import { done, requeueAfter, TerminalError, type Action } from '../../operator/action.ts';
import { setCondition, type Condition } from '../../operator/conditions.ts';
import type { ControllerSpec, ReconcileContext } from '../../operator/controller.ts';
import { addFinalizer, finalizerDecision, removeFinalizer } from '../../operator/finalizer.ts';
import { writeStatus } from '../../operator/status.ts';
import { withSynced } from '../../operator/synced.ts';
import { externalNameAnnotation, type DriftStatus } from '../../crds/schemas/managed.ts';
import { showingDatabaseOutage } from '../db/unavailable.ts';
import { alreadyShown } from '../invalid-spec.ts';
import { ProviderUnavailableError } from '../provider/types.ts';
import { tenantOfNamespace } from '../tenant/children.ts';
import { withApproval } from './approval.ts';
import { DriftReasons, observeSettled } from './drift-step.ts';
import type { ManagedKind, ManagedRow, ManagedStatus, Problem, StepContext, StepResult } from './kind.ts';
import { forgetDrift } from './metrics.ts';
import { anotherTenantsMessage, OwnershipReasons, outsideNoun } from './ownership.ts';
import { capabilities, orphanReason } from './policies.ts';
import { ensureRecord, forgetRecord, recordHistoryOnly, type Subject } from './record.ts';

export interface ManagedDeps {
  pool: Pool;
  /** Called after a transaction wrote to the outbox, so the relay publishes it soon. */
  onOutbox?: () => void;
  /** Whether a zone observer wakes settled objects when their outside state changes. */
  observed?: () => boolean;
}

export const ManagedReasons = {
  NothingToObserve: 'NothingToObserve',
  AlreadyClaimed: 'AlreadyClaimed',
  Orphaned: 'Orphaned',
} as const;

/** Steps taken in one reconcile before handing back to the queue, so one object cannot hog a worker. */
const maxSteps = 8;
/** Waits no longer than this are waited inside the reconcile... */
const inlineWaitMs = 500;
/** ...as long as the reconcile has not run longer than this in all, waits included. */
const inlineBudgetMs = 2_000;

/** Whether a requeue after `waitMs`, asked for `elapsedMs` into a reconcile, is waited inside it. */
export function waitsInline(waitMs: number, elapsedMs: number): boolean {
  return waitMs > 0 && waitMs <= inlineWaitMs && elapsedMs + waitMs <= inlineBudgetMs;
}

/** Resolves true after `ms`, or false at once when the reconcile's deadline fires first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve(true);
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}

export function managedController<Obj extends k8s.KubernetesObject, Spec, Row extends ManagedRow, State>(
  kind: ManagedKind<Obj, Spec, Row, State>,
  deps: ManagedDeps,
): ControllerSpec<Obj> {
  return {
    name: kind.kind.toLowerCase(),
    resource: kind.resource,
    reconcile: showingDatabaseOutage(kind.resource, 'infra_db', ['Ready', 'Degraded'], (obj, ctx) =>
      reconcileManaged(kind, deps, obj, ctx),
    ),
    async onTerminalError(obj, err, ctx) {
      const problem = {
        reason: (err as TerminalError).reason ?? kind.reasons.InvalidSpec,
        message: err.message,
      };
      const changed = await writeStatus(
        ctx.kc,
        kind.resource,
        obj,
        kind.status(obj, undefined, problem, new Date(ctx.clock.now())),
      );
      // Told once: a resync finds the same problem already shown and says nothing more.
      if (changed) await ctx.events.record(obj, 'Warning', problem.reason, err.message);
    },
  };
}

export async function reconcileManaged<Obj extends k8s.KubernetesObject, Spec, Row extends ManagedRow, State>(
  kind: ManagedKind<Obj, Spec, Row, State>,
  deps: ManagedDeps,
  seen: Obj,
  ctx: ReconcileContext<Obj>,
): Promise<Action> {
  let decision = finalizerDecision(seen, kind.finalizer);
  if (decision === 'gone') return done;
  let obj = seen;
  if (decision === 'add-finalizer') {
    // Held by the server before anything outside is created; the reconcile goes on with what the server returned
    // rather than spending a turn of the queue on the finalizer alone.
    obj = await addFinalizer(ctx.kc, kind.resource, seen, kind.finalizer);
    ctx.wrote(obj);
    decision = 'apply';
  }
  const client = kind.client;
  const uid = obj.metadata!.uid!;
  let row = await client.read(uid);
  const reading = kind.readSpec(obj, row);
  let invalid: Problem | undefined;
  if ('invalid' in reading) {
    // Nothing is recorded or created for a spec the controller cannot act on; deleting it still runs below.
    if (decision === 'apply' && (!row || !reading.spec))
      throw new TerminalError(reading.invalid, kind.reasons.InvalidSpec);
    invalid = { reason: kind.reasons.InvalidSpec, message: reading.invalid };
  }
  const spec = (reading.spec ?? (obj as unknown as { spec: Spec }).spec) as Spec;
  const policies = kind.managementOf(reading.spec, obj);
  const caps = capabilities(policies.managementPolicy, policies.deletionPolicy);
  const now = () => new Date(ctx.clock.now());
  const tenant = tenantOfNamespace(obj.metadata!.namespace ?? '');
  const s: StepContext<Obj, Spec> = { obj, spec, tenant, now, log: ctx.log, cache: ctx.cache };
  const subject: Subject = {
    uid,
    kind: kind.kind,
    namespace: obj.metadata!.namespace ?? '',
    name: obj.metadata!.name!,
    tenant,
  };
  // Every status this reconcile writes is followed by a successful return, so it carries Synced too: the
  // runtime then finds Synced already said and makes no second patch.
  const show = (r: Row | undefined, problem: Problem | undefined, drift?: DriftStatus) =>
    writeStatus(
      ctx.kc,
      kind.resource,
      obj,
      withSynced(
        (obj as { status?: unknown }).status,
        withApproval(withDrift(kind.status(obj, r, problem, now()), drift, now(), obj), obj, now()),
        { kind: 'success' },
        now(),
        obj.metadata?.generation,
      ),
      { optimistic: true, written: ctx.wrote },
    );

  // Nothing recorded (never, or a kind whose row goes with its resource): no outside resource to see to.
  if (!row && decision === 'cleanup') return finish();
  const externalId = obj.metadata?.annotations?.[externalNameAnnotation];
  if (!row) {
    const refusal = await adoptionRefusal(kind, uid, tenant, externalId, caps.create);
    if (refusal) {
      const changed = await show(undefined, refusal);
      if (changed) await ctx.events.record(obj, 'Warning', refusal.reason, refusal.message);
      return done; // an annotation or policy change wakes the object
    }
    try {
      row = await client.record(s, externalId);
    } catch (err) {
      // Nothing could be recorded yet (a kind's refusal such as a range taken, or the provider away).
      const refused = handled(kind, err, undefined);
      const changed = await show(undefined, refused.problem);
      if (changed) await ctx.events.record(obj, 'Warning', refused.problem.reason, refused.problem.message);
      return refused.action;
    }
    deps.onOutbox?.();
  }
  const record = await ensureRecord(deps.pool, subject, client.desired(spec, row), externalId ?? null);

  if (decision === 'cleanup') {
    if (!caps.delete && !client.gone(row)) {
      try {
        await client.release(s, row);
      } catch (err) {
        const held = handled(kind, err, row);
        await show(held.row, held.problem);
        return held.action;
      }
      deps.onOutbox?.();
      const why = orphanReason(policies.managementPolicy, policies.deletionPolicy);
      await recordHistoryOnly(deps.pool, subject, 'orphaned', [], `left at the provider: ${why}`, now());
      await ctx.events.record(
        obj,
        'Normal',
        ManagedReasons.Orphaned,
        `${row.provider_id ?? 'nothing'} left at the provider: ${why}`,
      );
      return finish();
    }
    const result = await steps(kind, deps, ctx, s, row, (r) => client.delete(s, r));
    if (client.gone(result.row)) return finish();
    await show(result.row, result.problem);
    return result.action === 'continue' ? requeueAfter(0) : result.action;
  }

  let result: StepResult<Row> = { row, action: done };
  let drift: DriftStatus | undefined;
  const mayChange = caps.update || !row.provider_id;
  if (mayChange && !client.settled(row, spec)) {
    result = await steps(
      kind,
      deps,
      ctx,
      s,
      row,
      (r) => client.create(s, r),
      (r) => client.settled(r, spec),
    );
  }
  if (client.settled(result.row, spec) || (!mayChange && result.row.provider_id)) {
    try {
      const observed = await observeSettled({
        kind,
        pool: deps.pool,
        s,
        row: result.row,
        record,
        subject,
        caps,
        policy: policies.driftPolicy,
        ctx,
        observed: deps.observed?.() ?? false,
        desiredSpec: 'desired' in reading ? reading.desired : undefined,
      });
      result = { row: observed.row, action: observed.action, problem: observed.problem ?? result.problem };
      drift = observed.drift;
      if (observed.row.phase !== row.phase) deps.onOutbox?.();
    } catch (err) {
      result = { ...result, ...handled(kind, err, result.row) };
    }
  }
  if (kind.statusDetails) {
    const details = await kind.statusDetails(s, result.row);
    result = { ...result, row: details.row, action: sooner(result.action, details.retryMs) };
  }
  await show(result.row, invalid ?? result.problem, drift);
  if (invalid && !alreadyShown((obj as { status?: ManagedStatus }).status, invalid))
    await ctx.events.record(obj, 'Warning', invalid.reason, invalid.message);
  return result.action === 'continue' ? requeueAfter(0) : result.action;

  async function finish(): Promise<Action> {
    forgetDrift(uid);
    await forgetRecord(deps.pool, uid);
    await removeFinalizer(ctx.kc, kind.resource, obj, kind.finalizer);
    return done;
  }
}

/** Why an object cannot be bound to an outside resource, or undefined when it can (or creates its own). */
async function adoptionRefusal<Obj extends k8s.KubernetesObject, Spec, Row extends ManagedRow, State>(
  kind: ManagedKind<Obj, Spec, Row, State>,
  uid: string,
  tenant: string,
  externalId: string | undefined,
  mayCreate: boolean,
): Promise<Problem | undefined> {
  if (!externalId) {
    if (mayCreate) return undefined;
    return {
      reason: ManagedReasons.NothingToObserve,
      message: `managementPolicy ObserveOnly observes an existing resource: set the annotation ${externalNameAnnotation} to its provider id`,
    };
  }
  const owner = await kind.client.claimedBy(externalId, uid);
  if (!owner) return undefined;
  // Another tenant's object is not named: its namespace and name are that tenant's business.
  if (tenantOfNamespace(owner.namespace) !== tenant)
    return {
      reason: OwnershipReasons.OwnedByAnotherTenant,
      message: anotherTenantsMessage(outsideNoun(kind.kind), externalId),
    };
  return {
    reason: ManagedReasons.AlreadyClaimed,
    message: `${externalId} is already managed by ${kind.kind} ${owner.namespace}/${owner.name}; one outside resource has one owner (delete that one with deletionPolicy Orphan first to move it)`,
  };
}

/** Runs steps until one waits, telling each phase change; provider outages become a problem and a retry. */
async function steps<Obj extends k8s.KubernetesObject, Spec, Row extends ManagedRow, State>(
  kind: ManagedKind<Obj, Spec, Row, State>,
  deps: ManagedDeps,
  ctx: ReconcileContext<Obj>,
  s: StepContext<Obj, Spec>,
  row: Row,
  step: (row: Row) => Promise<StepResult<Row>>,
  reached: (row: Row) => boolean = () => false,
): Promise<StepResult<Row>> {
  let result: StepResult<Row> = { row, action: done };
  const started = Date.now();
  try {
    for (let i = 0; i < maxSteps && !reached(result.row); i++) {
      const before = result.row;
      result = await step(result.row);
      if (result.row.phase !== before.phase) {
        deps.onOutbox?.();
        const told = kind.phaseEvent(result.row, before);
        if (told) await ctx.events.record(s.obj, told.warning ? 'Warning' : 'Normal', told.reason, told.note);
      }
      if (result.action === 'continue') continue;
      // A short wait (a provider operation of a few hundred milliseconds) is waited here: handing it back to
      // the queue would cost another turn, a status write of the phase in between and reading it all again.
      const wait = result.action.requeueAfterMs;
      if (result.problem || wait === undefined || !waitsInline(wait, Date.now() - started)) break;
      if (!(await pause(wait, ctx.signal))) break;
    }
  } catch (err) {
    return handled(kind, err, result.row);
  }
  return result;
}

function handled<Obj extends k8s.KubernetesObject, Spec, Row extends ManagedRow, State, R>(
  kind: ManagedKind<Obj, Spec, Row, State>,
  err: unknown,
  row: R,
): { row: R; action: Action; problem: Problem } {
  if (err instanceof ProviderUnavailableError) {
    return {
      row,
      action: requeueAfter(5_000),
      problem: {
        reason: kind.reasons.ProviderUnavailable,
        message: `the cloud provider is unavailable: ${err.message}; retrying`,
      },
    };
  }
  const own = kind.problemOf?.(err);
  if (own)
    return { row, action: requeueAfter(own.retryMs), problem: { reason: own.reason, message: own.message } };
  throw err;
}

/** The action, or a requeue after `ms` when that comes sooner. */
function sooner(action: Action | 'continue', ms: number | undefined): Action | 'continue' {
  if (ms === undefined || action === 'continue') return action;
  return requeueAfter(Math.min(action.requeueAfterMs ?? ms, ms));
}

/** The kind's status with the drift summary and a Drifted condition that explains itself. */
export function withDrift<S extends ManagedStatus>(
  status: S,
  drift: DriftStatus | undefined,
  now: Date,
  obj: k8s.KubernetesObject,
): S {
  const shown = drift;
  const conditions = setCondition(
    status.conditions as Condition[] | undefined,
    !shown
      ? {
          type: 'Drifted',
          status: 'Unknown',
          reason: 'NotObserved',
          message: 'not compared with the provider yet',
        }
      : shown.total === 0
        ? {
            type: 'Drifted',
            status: 'False',
            reason: DriftReasons.InSync,
            message: 'the outside resource matches the spec',
          }
        : {
            type: 'Drifted',
            status: 'True',
            reason: shown.plan?.awaitingApproval ? DriftReasons.AwaitingApproval : DriftReasons.Drifted,
            message: driftMessage(shown),
          },
    now,
    obj.metadata?.generation,
  );
  // An outside resource that differs from the spec in more than looks is not what was asked for.
  // A Ready already False says something more pressing (an invalid spec, an outage): drift does not hide it.
  const readyNow = conditions.find((c) => c.type === 'Ready');
  const matters = shown && shown.total > shown.counts.cosmetic && readyNow?.status !== 'False';
  const ready = matters
    ? setCondition(
        conditions,
        {
          type: 'Ready',
          status: 'False',
          reason: shown.plan?.awaitingApproval ? DriftReasons.AwaitingApproval : DriftReasons.Drifted,
          message: driftMessage(shown),
        },
        now,
        obj.metadata?.generation,
      )
    : conditions;
  const { drift: _dropped, ...rest } = status;
  // Status is written by merge patch, which keeps what it does not name: a plan no longer shown is named null
  // to remove it, or the last plan would stay beside drift that is gone.
  const before = (obj as { status?: ManagedStatus }).status?.drift;
  const written = shown && !shown.plan && before?.plan ? { ...shown, plan: null } : shown;
  return { ...rest, conditions: ready, ...(written ? { drift: written } : {}) } as S;
}

function driftMessage(d: DriftStatus): string {
  const bySeverity = (['critical', 'security', 'functional', 'cosmetic'] as const)
    .filter((k) => d.counts[k] > 0)
    .map((k) => `${d.counts[k]} ${k}`)
    .join(', ');
  const first = d.records[0];
  const approval = d.plan?.awaitingApproval
    ? `; plan ${d.plan.hash} waits for approval (annotate omnicloud.io/approve-plan=${d.plan.hash})`
    : '';
  return `${d.total} ${d.total === 1 ? 'field differs' : 'fields differ'} from the spec (${bySeverity})${first ? `, first ${first.path}` : ''}${approval}`;
}
