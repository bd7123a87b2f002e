// A remediation plan: which records to revert, accept or only report, the changes a revert makes in words, a
// hash that names the plan (for the approve-plan annotation), and whether a human must approve it first.
import { createHash } from 'node:crypto';
import type { DriftAction, DriftPolicy } from '../../../crds/schemas/managed.ts';
import { canonicalJson } from '../../audit/chain.ts';
import { rootPath } from './paths.ts';
import { withActions } from './policy.ts';
import { compareRecords, showValue, type ActedDriftRecord, type DriftRecord } from './record.ts';

export interface RemediationPlan {
  revert: DriftRecord[];
  accepted: DriftRecord[];
  alerted: DriftRecord[];
  /** One line per reverted record, in path order. */
  changes: string[];
  /** Names the revert list whatever order its records came in: sha256, first 16 hex digits. */
  hash: string;
  /** A security or critical record is reverted: a human approves the plan by its hash first. */
  needsApproval: boolean;
}

// Short enough that a path of 253 characters and two values fit a status line of 512.
const valueWidth = 120;

export function describeChange(record: DriftRecord): string {
  const desired = showValue(record.desired, valueWidth);
  const actual = showValue(record.actual, valueWidth);
  if (record.path === rootPath)
    return record.type === 'resource_missing'
      ? 'recreate the missing resource'
      : 'delete the resource the spec does not declare';
  switch (record.type) {
    case 'value_changed':
    case 'type_mismatch':
      return `set ${record.path} to ${desired} (is ${actual})`;
    case 'key_removed':
    case 'resource_missing':
      return `add ${record.path} ${desired}`;
    case 'key_added':
    case 'resource_extra':
      return `remove ${record.path} ${actual}`;
  }
}

/** Records in path order, and records equal in path and type by content, so no input order shows through. */
function inStableOrder<T extends DriftRecord>(records: readonly T[]): T[] {
  const keyed = records.map((record) => ({ record, key: canonicalJson(record) }));
  keyed.sort((a, b) => compareRecords(a.record, b.record) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map(({ record }) => record);
}

function withoutAction({ action: _action, ...record }: ActedDriftRecord): DriftRecord {
  return record;
}

export function planHash(revert: readonly DriftRecord[]): string {
  const body = canonicalJson(inStableOrder(revert));
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/** The plan of records whose actions are already decided. */
export function planForActions(records: readonly ActedDriftRecord[]): RemediationPlan {
  const ordered = inStableOrder(records);
  const taking = (action: DriftAction) => ordered.filter((r) => r.action === action).map(withoutAction);
  const revert = taking('revert');
  return {
    revert,
    accepted: taking('accept'),
    alerted: taking('alert'),
    changes: revert.map(describeChange),
    hash: planHash(revert),
    needsApproval: revert.some((r) => r.severity === 'security' || r.severity === 'critical'),
  };
}

export function planRemediation(records: readonly DriftRecord[], policy: DriftPolicy): RemediationPlan {
  return planForActions(withActions(records, policy));
}
