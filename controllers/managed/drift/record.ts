// A drift record: one difference between the desired and the observed state of an outside resource, and the
// one order records are listed in everywhere (by path, then type).
import {
  driftSeverities,
  driftTypes,
  type DriftAction,
  type DriftSeverity,
  type DriftType,
} from '../../../crds/schemas/managed.ts';
import { comparePaths } from './paths.ts';

export interface DriftRecord {
  /** `powerState`, `securityGroups[0].ingress[2].ports`, or `$` for the whole resource. */
  path: string;
  type: DriftType;
  severity: DriftSeverity;
  /** The spec's value; absent when the spec has none there. */
  desired?: unknown;
  /** The outside system's value; absent when it has none there. */
  actual?: unknown;
}

/** A record with what the drift policy says to do about it. */
export interface ActedDriftRecord extends DriftRecord {
  action: DriftAction;
}

export function compareRecords(a: DriftRecord, b: DriftRecord): number {
  return comparePaths(a.path, b.path) || driftTypes.indexOf(a.type) - driftTypes.indexOf(b.type);
}

/** 0 for cosmetic up to 3 for critical. */
export function severityRank(severity: DriftSeverity): number {
  return driftSeverities.indexOf(severity);
}

/** A value as JSON for a human, at most max characters (a cut value ends with `…`). */
export function showValue(value: unknown, max: number): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
