// Turns the JSON Schema that zod emits into a structural OpenAPI v3 schema the API server accepts:
// no $schema or $ref, no additionalProperties beside properties, only keywords CRDs allow. What zod checks
// and a CRD has no keyword for (the limits on a map's keys) becomes a CEL rule, never silently dropped.
import { z } from 'zod';

export type JsonSchema = { [key: string]: unknown };

const allowed = new Set([
  'type', 'properties', 'required', 'items', 'enum', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength',
  'minItems', 'maxItems', 'minProperties', 'maxProperties', 'default', 'description', 'format', 'nullable', 'additionalProperties',
  'x-kubernetes-validations', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields',
]);

// JavaScript's safe-integer bounds that zod adds to every int say nothing to a user; drop them.
const safeBound = 9007199254740991;

interface KeyRule {
  rule: string;
  message: string;
}

/** A CEL string literal: single-quoted, with backslashes and quotes escaped. */
const celString = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * CRD schemas have no propertyNames, so the limits zod puts on a record's keys become CEL rules over the
 * map's keys, checked by the API server as zod checks them. A key limit with no rule here fails generation.
 */
export function keyRules(propertyNames: JsonSchema): KeyRule[] {
  const rules: KeyRule[] = [];
  for (const [key, value] of Object.entries(propertyNames).sort(([a], [b]) => a.localeCompare(b))) {
    if (key === 'type' && value === 'string') continue;
    if (key === 'maxLength') {
      rules.push({ rule: `self.all(k, size(k) <= ${Number(value)})`, message: `keys may have at most ${Number(value)} characters` });
    } else if (key === 'minLength') {
      rules.push({ rule: `self.all(k, size(k) >= ${Number(value)})`, message: `keys need at least ${Number(value)} characters` });
    } else if (key === 'pattern') {
      rules.push({ rule: `self.all(k, k.matches(${celString(String(value))}))`, message: `keys must match ${String(value)}` });
    } else {
      throw new Error(`map keys constrained by ${key}=${JSON.stringify(value)}: no CEL rule for it`);
    }
  }
  return rules;
}

export function toStructural(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const key of Object.keys(node).sort()) {
    if (!allowed.has(key)) continue;
    const value = node[key];
    if ((key === 'minimum' || key === 'maximum') && Math.abs(Number(value)) >= safeBound) continue;
    if (key === 'properties') {
      const props: JsonSchema = {};
      for (const name of Object.keys(value as JsonSchema).sort()) {
        props[name] = toStructural((value as Record<string, JsonSchema>)[name]!);
      }
      out.properties = props;
    } else if (key === 'items') {
      out.items = toStructural(value as JsonSchema);
    } else if (key === 'additionalProperties') {
      if (typeof value === 'object' && value !== null) out.additionalProperties = toStructural(value as JsonSchema);
    } else {
      out[key] = value;
    }
  }
  if (out.properties !== undefined) delete out.additionalProperties;
  const rules = node.propertyNames === undefined ? [] : keyRules(node.propertyNames as JsonSchema);
  if (rules.length > 0) {
    out['x-kubernetes-validations'] = [...((out['x-kubernetes-validations'] as KeyRule[]) ?? []), ...rules];
  }
  if (out.type === undefined) throw new Error(`schema node without a type: ${JSON.stringify(node).slice(0, 200)}`);
  return out;
}

export function zodToOpenApi(schema: z.ZodType): JsonSchema {
  return toStructural(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as JsonSchema);
}

/** Every node of a structural schema has a type and none carries a forbidden keyword. */
export function structuralProblems(node: JsonSchema, at = '$'): string[] {
  const problems: string[] = [];
  if (typeof node.type !== 'string') problems.push(`${at}: no type`);
  for (const key of Object.keys(node)) if (!allowed.has(key)) problems.push(`${at}: keyword ${key}`);
  for (const [name, child] of Object.entries((node.properties as Record<string, JsonSchema>) ?? {})) {
    problems.push(...structuralProblems(child, `${at}.${name}`));
  }
  if (node.items) problems.push(...structuralProblems(node.items as JsonSchema, `${at}[]`));
  return problems;
}
