// Values under a sensitive field never leave the comparison: a record carries `(redacted)` in their place, so
// that no secret reaches status, events or logs through a drift record or a remediation plan.
import { isObject } from './equality.ts';
import type { Segment } from './paths.ts';
import { isSensitive, redacted, type CompiledRules } from './rules.ts';

export function redact(value: unknown, path: readonly Segment[], rules: CompiledRules): unknown {
  if (rules.sensitive.length === 0 || value === undefined) return value;
  if (isSensitive(rules, path)) return redacted;
  if (Array.isArray(value)) return value.map((item: unknown, i) => redact(item, [...path, i], rules));
  if (isObject(value))
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [key, redact(v, [...path, key], rules)]),
    );
  return value;
}
