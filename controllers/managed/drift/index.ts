// Drift of managed resources, pure: the semantic comparison of desired and observed state, severities, the
// drift policy's action per record, remediation plans and the drift status. The reconciler does the I/O.
export { compare } from './compare.ts';
export { canonicalAddress, scalarsEqual } from './equality.ts';
export { pathCovers, renderPath, rootPath } from './paths.ts';
export { actionFor, withActions } from './policy.ts';
export { describeChange, planForActions, planHash, planRemediation, type RemediationPlan } from './plan.ts';
export { compareRecords, type ActedDriftRecord, type DriftRecord } from './record.ts';
export { redacted, type Comparator, type DriftRules, type Identity, type SeverityRule } from './rules.ts';
export { keepObservedAt, summarizeDrift } from './summary.ts';
export { missingRecord } from './missing.ts';
