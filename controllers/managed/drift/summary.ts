// The drift status an object shows (driftStatusSchema): counts by severity, the most severe records with their
// values cut to what status holds, and the plan when something is to be reverted.
import { isDeepStrictEqual } from 'node:util';
import type { DriftStatus } from '../../../crds/schemas/managed.ts';
import { planForActions } from './plan.ts';
import { compareRecords, severityRank, showValue, type ActedDriftRecord } from './record.ts';

// The bounds of driftStatusSchema.
const maxRecords = 10;
const maxPathLength = 253;
const maxShownValue = 256;
const maxChanges = 20;
const maxChangeLength = 512;

type StatusRecord = DriftStatus['records'][number];

function statusRecord(record: ActedDriftRecord): StatusRecord {
  const shown: StatusRecord = {
    path: record.path.slice(0, maxPathLength),
    type: record.type,
    severity: record.severity,
    action: record.action,
  };
  if (record.desired !== undefined) shown.desired = showValue(record.desired, maxShownValue);
  if (record.actual !== undefined) shown.actual = showValue(record.actual, maxShownValue);
  return shown;
}

function fitChanges(changes: readonly string[]): string[] {
  const lines = changes.length <= maxChanges ? changes : changes.slice(0, maxChanges - 1);
  const fitted = lines.map((line) =>
    line.length <= maxChangeLength ? line : `${line.slice(0, maxChangeLength - 1)}…`,
  );
  if (lines.length < changes.length) fitted.push(`and ${changes.length - lines.length} more changes`);
  return fitted;
}

/**
 * `approvedPlanHash` is the value of the approve-plan annotation, if any: a plan that needs approval awaits it
 * until the annotation names this very plan.
 */
export function summarizeDrift(
  records: readonly ActedDriftRecord[],
  observedAt: Date,
  limit = maxRecords,
  approvedPlanHash?: string,
): DriftStatus {
  const counts = { cosmetic: 0, functional: 0, security: 0, critical: 0 };
  for (const record of records) counts[record.severity] += 1;
  const mostSevereFirst = [...records].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || compareRecords(a, b),
  );
  const status: DriftStatus = {
    observedAt: observedAt.toISOString(),
    total: records.length,
    counts,
    records: mostSevereFirst.slice(0, Math.max(0, Math.min(limit, maxRecords))).map(statusRecord),
  };
  const plan = planForActions(records);
  if (plan.revert.length > 0)
    status.plan = {
      hash: plan.hash,
      changes: fitChanges(plan.changes),
      awaitingApproval: plan.needsApproval && approvedPlanHash !== plan.hash,
    };
  return status;
}

/**
 * The summary to show, keeping the time of `shown` (what status holds now) when nothing else changed: a settled
 * object looked at again finds the same drift, and a new observedAt alone would rewrite its status every time.
 * A plan `null` in `shown` (a removal still in a merge patch) counts as no plan.
 */
export function keepObservedAt(next: DriftStatus, shown: DriftStatus | undefined): DriftStatus {
  if (!shown?.observedAt) return next;
  const { observedAt: _next, ...rest } = next;
  const { observedAt, ...before } = shown;
  if (before.plan === null) delete before.plan;
  return isDeepStrictEqual(rest, before) ? { ...next, observedAt } : next;
}
