// A settled resource, compared with the outside: spec changes are applied, drift is found, told once, and
// reverted, accepted or reported as the object's drift policy says. A remediation is recorded (plan, records,
// desired state) before the provider is called, and its operations after, so a crash repeats the same plan
// with the same token instead of a second one.
import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import { requeueAfter, type Action } from '../../operator/action.ts';
import type { ReconcileContext } from '../../operator/controller.ts';
import {
  approvePlanAnnotation,
  type DriftAction,
  type DriftPolicy,
  type DriftStatus,
} from '../../crds/schemas/managed.ts';
import {
  actionFor,
  compare,
  keepObservedAt,
  missingRecord,
  pathCovers,
  planRemediation,
  summarizeDrift,
  type DriftRecord,
} from './drift/index.ts';
import { ProviderRequestError } from '../provider/types.ts';
import type { ManagedKind, ManagedRow, Problem, StepContext } from './kind.ts';
import { showDrift } from './metrics.ts';
import type { Capabilities } from './policies.ts';
import {
  planAttempt,
  recordDriftCleared,
  recordDriftDetected,
  recordHistoryOnly,
  recordPlanEnded,
  recordPlanOperations,
  recordPlanStarted,
  setApplied,
  type AcceptedValue,
  type ManagedRecord,
  type Subject,
} from './record.ts';

export interface DriftOutcome<Row> {
  row: Row;
  action: Action;
  problem?: Problem;
  drift?: DriftStatus;
}

export const DriftReasons = {
  Drifted: 'Drifted',
  InSync: 'InSync',
  AwaitingApproval: 'AwaitingApproval',
  Remediating: 'Remediating',
  RemediationFailed: 'RemediationFailed',
  ResourceMissing: 'ResourceMissing',
} as const;

const pollMs = 300;
/** A settled object the observer watches is reconciled every this many observe intervals (5 min by default). */
const settledRecheckFactor = 10;

type Acted = DriftRecord & { action: DriftAction };

export interface DriftStepInput<Obj extends k8s.KubernetesObject, Spec, Row extends ManagedRow, State> {
  kind: ManagedKind<Obj, Spec, Row, State>;
  pool: Pool;
  s: StepContext<Obj, Spec>;
  row: Row;
  record: ManagedRecord;
  subject: Subject;
  caps: Capabilities;
  policy: DriftPolicy;
  ctx: ReconcileContext<Obj>;
  /** Whether a zone observer wakes the object when its outside state changes. */
  observed: boolean;
  /** What the spec asks for when the kind acts on what was recorded instead (a spec it cannot act on). */
  desiredSpec?: Spec;
}

/**
 * Compares the settled object with the outside. The drift shown keeps the observedAt status holds while nothing
 * else in it changed, so looking again at an object whose drift did not change writes no status.
 */
export async function observeSettled<Obj extends k8s.KubernetesObject, Spec, Row extends ManagedRow, State>(
  i: DriftStepInput<Obj, Spec, Row, State>,
): Promise<DriftOutcome<Row>> {
  const outcome = await compareSettled(i);
  const shown = (i.s.obj as { status?: { drift?: DriftStatus } }).status?.drift;
  return outcome.drift ? { ...outcome, drift: keepObservedAt(outcome.drift, shown) } : outcome;
}

async function compareSettled<Obj extends k8s.KubernetesObject, Spec, Row extends ManagedRow, State>(
  i: DriftStepInput<Obj, Spec, Row, State>,
): Promise<DriftOutcome<Row>> {
  const { kind, s, row, record } = i;
  const client = kind.client;
  let fresh = false;
  if (record.plan_hash) {
    const under = await planUnderWay(i);
    if (under) return under;
    fresh = true; // the plan ended: ask the provider, the last listing predates it
  }
  let seen = await client.observe(row, fresh);
  if (seen.exists === 'unknown') seen = await client.observe(row, true);
  const desired = client.desired(i.desiredSpec ?? s.spec, row);
  const now = s.now();
  if (seen.exists === 'unknown') return { row, action: requeueAfter(2_000) };
  let current = row;
  if (seen.exists && client.interpret) {
    const meant = await client.interpret(s, row, seen.raw);
    if (meant && 'action' in meant) {
      return {
        row: meant.row,
        action: meant.action === 'continue' ? requeueAfter(0) : meant.action,
        problem: meant.problem,
      };
    }
    if (meant) current = meant.row;
  }
  const records: DriftRecord[] = seen.exists
    ? compare(desired, seen.state, kind.driftRules)
    : [missingRecord(desired, kind.driftRules)];
  const specPaths =
    record.applied === null || record.applied === undefined
      ? []
      : compare(desired, record.applied, kind.driftRules).map((r) => r.path);
  const isSpecChange = (r: DriftRecord) =>
    r.path !== '$' && specPaths.some((p) => pathCovers(p, r.path) || pathCovers(r.path, p));
  const accepted = record.accepted.filter((a) => records.some((r) => r.path === a.path && !isSpecChange(r)));
  const wasAccepted = (r: DriftRecord) =>
    accepted.some((a) => a.path === r.path && JSON.stringify(a.actual) === JSON.stringify(r.actual));

  const specChanges = records.filter(isSpecChange);
  const findings: Acted[] = [];
  const newlyAccepted: Acted[] = [];
  for (const r of records) {
    if (isSpecChange(r) || wasAccepted(r)) continue;
    let action = actionFor(r.path, i.policy);
    if (action === 'revert' && client.cannotRevert?.(r)) action = 'alert';
    if (action === 'revert' && !(r.path === '$' ? i.caps.create : i.caps.update)) action = 'alert';
    if (action === 'accept' && r.path === '$') action = 'alert'; // a resource that is gone cannot be taken as is
    if (action === 'accept') newlyAccepted.push({ ...r, action });
    else findings.push({ ...r, action });
  }
  if (newlyAccepted.length > 0) {
    accepted.push(...newlyAccepted.map((r): AcceptedValue => ({ path: r.path, actual: r.actual })));
    await recordHistoryOnly(i.pool, i.subject, 'accepted', newlyAccepted, null, now);
  }
  await tellDrift(i, findings, now);

  const counts = { cosmetic: 0, functional: 0, security: 0, critical: 0 };
  for (const f of findings) counts[f.severity] += 1;
  showDrift(kind.kind, row.uid, counts);
  let drift: DriftStatus | undefined = summarizeDrift(findings, now);
  // Woken by the zone observer when the outside changes; looked at again now and then all the same, so what
  // only a reconcile finds (its database gone, say) is shown on settled objects too.
  const settle = requeueAfter(
    i.observed ? kind.observeIntervalMs * settledRecheckFactor : kind.observeIntervalMs,
  );
  const remember = async () => {
    const inSync = records.length === 0;
    const applied = inSync ? desired : record.applied;
    if (
      JSON.stringify(applied) !== JSON.stringify(record.applied) ||
      newlyAccepted.length > 0 ||
      accepted.length !== record.accepted.length
    ) {
      await setApplied(i.pool, row.uid, applied, accepted);
    }
  };

  const missing = findings.find((f) => f.path === '$');
  if (missing?.action === 'revert') {
    await remember();
    const next = await client.recreate(
      s,
      current,
      'the resource was deleted outside OmniCloud; creating it again',
    );
    return {
      row: next.row,
      action: next.action === 'continue' ? requeueAfter(0) : next.action,
      problem: next.problem,
      drift,
    };
  }
  if (missing) {
    await remember();
    return {
      row: current,
      action: settle,
      drift,
      problem: {
        reason: DriftReasons.ResourceMissing,
        message: 'the resource was deleted outside OmniCloud',
      },
    };
  }

  const toRevert: DriftRecord[] = [
    ...(i.caps.update ? specChanges : []),
    ...findings.filter((f) => f.action === 'revert'),
  ];
  if (toRevert.length === 0) {
    await remember();
    return { row: current, action: settle, drift };
  }
  const plan = planRemediation(toRevert, { default: 'revert', overrides: [] });
  const needsApproval = findings.some(
    (f) => f.action === 'revert' && (f.severity === 'security' || f.severity === 'critical'),
  );
  const approved = s.obj.metadata?.annotations?.[approvePlanAnnotation] === plan.hash;
  drift = {
    ...(drift ?? summarizeDrift([], now)),
    plan: {
      hash: plan.hash,
      changes: plan.changes.slice(0, 20).map((c) => c.slice(0, 512)),
      awaitingApproval: needsApproval && !approved,
    },
  };
  await remember();
  if (needsApproval && !approved) {
    return {
      row: current,
      action: settle,
      drift,
      problem: {
        reason: DriftReasons.AwaitingApproval,
        message: `a security change waits for approval: annotate with ${approvePlanAnnotation}=${plan.hash} to apply plan ${plan.hash}`,
      },
    };
  }
  const attempt = await recordPlanStarted(
    i.pool,
    i.subject,
    { hash: plan.hash, records: toRevert, changes: plan.changes, desired },
    now,
  );
  const operations = await client
    .update(s, current, toRevert, planToken(current.uid, plan.hash, attempt))
    .catch(refusal);
  if (typeof operations === 'string') {
    const started = { ...record, plan_hash: plan.hash, plan_desired: desired };
    return planRefused(i, started, operations, drift);
  }
  await recordPlanOperations(i.pool, row.uid, operations);
  await i.ctx.events.record(
    s.obj,
    'Normal',
    DriftReasons.Remediating,
    `applying plan ${plan.hash}: ${plan.changes.slice(0, 3).join('; ')}${plan.changes.length > 3 ? '; …' : ''}`,
  );
  return {
    row: current,
    action: requeueAfter(pollMs),
    drift,
    problem: { reason: DriftReasons.Remediating, message: `applying plan ${plan.hash}` },
  };
}

/**
 * The idempotency token of one attempt of a plan: a crash repeats the attempt with the same token, while the
 * same plan started again (the same drift found again after it was put back, or a retry after a failure) asks
 * anew; the provider answers a token it has seen with the operation it gave it then, and does nothing.
 */
export function planToken(uid: string, hash: string, attempt: number): string {
  return `${uid}:plan:${hash}:${attempt}`;
}

/** A plan recorded earlier: ask again (crash before its operations were recorded) or wait for them. */
async function planUnderWay<Obj extends k8s.KubernetesObject, Spec, Row extends ManagedRow, State>(
  i: DriftStepInput<Obj, Spec, Row, State>,
): Promise<DriftOutcome<Row> | undefined> {
  const { record, row, s } = i;
  const client = i.kind.client;
  const drift = (i.s.obj as { status?: { drift?: DriftStatus } }).status;
  const waiting = {
    row,
    action: requeueAfter(pollMs),
    drift: drift?.drift,
    problem: { reason: DriftReasons.Remediating, message: `applying plan ${record.plan_hash}` },
  };
  if (!record.plan_operations) {
    const operations = await client
      .update(
        s,
        row,
        record.plan_records ?? [],
        planToken(row.uid, record.plan_hash!, await planAttempt(i.pool, row.uid)),
      )
      .catch(refusal);
    if (typeof operations === 'string') return planRefused(i, record, operations, drift?.drift);
    await recordPlanOperations(i.pool, row.uid, operations);
    return waiting;
  }
  let failed: string | undefined;
  for (const id of record.plan_operations) {
    const state = await client.operation(id);
    if (state === 'pending') return waiting;
    if (state !== 'succeeded') failed = state.failed;
  }
  await recordPlanEnded(i.pool, i.subject, record, failed ? { failed } : {}, s.now());
  await i.ctx.events.record(
    s.obj,
    failed ? 'Warning' : 'Normal',
    failed ? DriftReasons.RemediationFailed : 'Remediated',
    failed ? `plan ${record.plan_hash} failed: ${failed}` : `plan ${record.plan_hash} applied`,
  );
  if (failed) {
    return {
      row,
      action: requeueAfter(30_000),
      drift: drift?.drift,
      problem: {
        reason: DriftReasons.RemediationFailed,
        message: `plan ${record.plan_hash} failed: ${failed}`,
      },
    };
  }
  record.applied = record.plan_desired;
  record.plan_hash = null;
  return undefined;
}

/** New drift is told once (history, bus, an event); drift gone is told once too. */
async function tellDrift<Obj extends k8s.KubernetesObject, Spec, Row extends ManagedRow, State>(
  i: DriftStepInput<Obj, Spec, Row, State>,
  findings: Acted[],
  now: Date,
): Promise<void> {
  if (findings.length === 0) {
    if (i.record.drift_fingerprint) {
      await recordDriftCleared(i.pool, i.subject, now);
      await i.ctx.events.record(
        i.s.obj,
        'Normal',
        'DriftCleared',
        'the outside resource matches the spec again',
      );
    }
    return;
  }
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(findings.map((f) => [f.path, f.type, f.actual, f.action])))
    .digest('hex')
    .slice(0, 32);
  if (fingerprint === i.record.drift_fingerprint) return;
  await recordDriftDetected(i.pool, i.subject, findings, fingerprint, now);
  const worst = findings.slice(0, 3).map((f) => `${f.path} (${f.severity}, ${f.type}, ${f.action})`);
  await i.ctx.events.record(
    i.s.obj,
    'Warning',
    DriftReasons.Drifted,
    `${findings.length} drift record${findings.length === 1 ? '' : 's'}: ${worst.join('; ')}${findings.length > 3 ? '; …' : ''}`,
  );
}

/** A provider that refuses a plan's call (4xx) will refuse it again: the plan ends as failed instead. */
function refusal(err: unknown): string {
  if (err instanceof ProviderRequestError && err.status >= 400 && err.status < 500) return err.message;
  throw err;
}

/** How long a plan the provider refused waits before the drift may be planned for again. */
const refusedRetryMs = 60_000;

async function planRefused<Obj extends k8s.KubernetesObject, Spec, Row extends ManagedRow, State>(
  i: DriftStepInput<Obj, Spec, Row, State>,
  record: ManagedRecord,
  why: string,
  drift: DriftStatus | undefined,
): Promise<DriftOutcome<Row>> {
  const failed = `the provider refused it: ${why}`;
  await recordPlanEnded(i.pool, i.subject, record, { failed }, i.s.now());
  await i.ctx.events.record(
    i.s.obj,
    'Warning',
    DriftReasons.RemediationFailed,
    `plan ${record.plan_hash} failed: ${failed}`,
  );
  return {
    row: i.row,
    action: requeueAfter(refusedRetryMs),
    drift,
    problem: {
      reason: DriftReasons.RemediationFailed,
      message: `plan ${record.plan_hash} failed: ${failed}`,
    },
  };
}
