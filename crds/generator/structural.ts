// Turns the JSON Schema that zod emits into a structural OpenAPI v3 schema the API server accepts:
// no $schema or $ref, no additionalProperties beside properties, only keywords CRDs allow. What zod checks
// and a CRD has no keyword for (the limits on a map's keys) becomes a CEL rule, never silently dropped; a
// pattern becomes a CEL rule too, so that the API server refuses in words rather than with a bare regex.
import { z } from 'zod';
import { celString } from '../schemas/cel.ts';
import { formatKey } from '../schemas/common.ts';

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

// Keywords that zod could emit and a structural schema cannot hold: dropping them would drop a limit.
const inexpressible = ['allOf', 'anyOf', 'oneOf', 'not'];

/**
 * The CEL rule standing for a string's pattern, with the words `formatted` (schemas/common.ts) gave it; the
 * string is `subject` in CEL (self, or a map's key). A pattern without words, or on a string of unbounded
 * length (whose rule's cost the API server would refuse), fails generation.
 */
export function patternRule(node: JsonSchema, what = 'a string', subject = 'self'): KeyRule {
  const pattern = String(node.pattern);
  const message = node[formatKey];
  if (typeof message !== 'string') {
    throw new Error(`${what} with pattern ${pattern} says nothing when refused: build it with formatted() (crds/schemas/common.ts)`);
  }
  if (typeof node.maxLength !== 'number') {
    throw new Error(`${what} with pattern ${pattern} has no maxLength, so its CEL rule's cost has no bound`);
  }
  return { rule: `${subject}.matches(${celString(pattern)})`, message };
}

/**
 * CRD schemas have no propertyNames, so the limits zod puts on a record's keys become CEL rules over the
 * map's keys, checked by the API server as zod checks them. A key limit with no rule here fails generation.
 */
export function keyRules(propertyNames: JsonSchema): KeyRule[] {
  const rules: KeyRule[] = [];
  for (const [key, value] of Object.entries(propertyNames).sort(([a], [b]) => a.localeCompare(b))) {
    if ((key === 'type' && value === 'string') || key === formatKey) continue;
    if (key === 'maxLength') {
      rules.push({ rule: `self.all(k, size(k) <= ${Number(value)})`, message: `keys may have at most ${Number(value)} characters` });
    } else if (key === 'minLength') {
      rules.push({ rule: `self.all(k, size(k) >= ${Number(value)})`, message: `keys need at least ${Number(value)} characters` });
    } else if (key === 'pattern') {
      const { rule, message } = patternRule(propertyNames, 'a map key', 'k');
      rules.push({ rule: `self.all(k, ${rule})`, message: `each key ${message}` });
    } else {
      throw new Error(`map keys constrained by ${key}=${JSON.stringify(value)}: no CEL rule for it`);
    }
  }
  return rules;
}

export function toStructural(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const key of inexpressible) {
    if (node[key] !== undefined) throw new Error(`${key} has no structural form: ${JSON.stringify(node).slice(0, 200)}`);
  }
  for (const key of Object.keys(node).sort()) {
    if (!allowed.has(key) || key === 'pattern') continue;
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
  // The format first: a rule below that reads the value may assume it (and say more about it).
  const rules = [
    ...(node.pattern === undefined ? [] : [patternRule(node)]),
    ...((out['x-kubernetes-validations'] as KeyRule[] | undefined) ?? []),
    ...(node.propertyNames === undefined ? [] : keyRules(node.propertyNames as JsonSchema)),
  ];
  if (rules.length > 0) out['x-kubernetes-validations'] = rules;
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
