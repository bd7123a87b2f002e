// The record of an outside resource that is gone: one record for the whole resource, its desired state redacted
// as any other record's value is, so a sensitive field of the spec never reaches status, history or the bus.
import type { DriftRecord } from './record.ts';
import { redact } from './redact.ts';
import { compileRules, type DriftRules } from './rules.ts';
import { rootPath } from './paths.ts';

export function missingRecord(desired: unknown, rules: DriftRules = {}): DriftRecord {
  return {
    path: rootPath,
    type: 'resource_missing',
    severity: 'critical',
    desired: redact(desired, [], compileRules(rules)),
  };
}
