// Every limit zod puts on a field reaches the generated CRD: walking zod's own JSON Schema and the CRD side by
// side, each constraint keyword must be there with the same value, a pattern must be there as a CEL rule
// with the schema's own words (so that the API server refuses in words, not with a regex), and the limits on
// a map's keys (which a CRD has no keyword for) must be there as CEL rules over the keys. A constraint the
// walk does not know fails the test, so a new kind of limit cannot be dropped unnoticed either.
import assert from 'node:assert/strict';
import { z } from 'zod';
import { crdFor } from '../../../crds/generator/crd.ts';
import type { JsonSchema } from '../../../crds/generator/structural.ts';
import { celString } from '../../../crds/schemas/cel.ts';
import { formatKey } from '../../../crds/schemas/common.ts';
import { kinds } from '../../../crds/schemas/index.ts';

/** Keywords a CRD schema has too, compared as they are. */
const copied = [
  'minLength', 'maxLength', 'enum', 'minimum', 'maximum', 'minItems', 'maxItems', 'minProperties',
  'maxProperties',
];
/** Keywords that describe rather than limit, or that the walk follows (a pattern's words with the pattern). */
const structure = new Set([
  '$schema', 'type', 'properties', 'required', 'items', 'additionalProperties', 'default', 'description',
  'propertyNames', 'x-kubernetes-validations', formatKey,
]);
const safeBound = 9007199254740991;

interface Rule {
  rule: string;
  message: string;
}

/** Problems found at `at`: limits of `zodNode` missing from or different in `crdNode`. */
function compare(zodNode: JsonSchema, crdNode: JsonSchema | undefined, at: string): string[] {
  if (!crdNode) return [`${at}: missing from the CRD`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(zodNode)) {
    if (copied.includes(key)) {
      const bound = (key === 'minimum' || key === 'maximum') && Math.abs(Number(value)) >= safeBound;
      if (!bound && JSON.stringify(crdNode[key]) !== JSON.stringify(value)) {
        problems.push(`${at}: zod has ${key}=${JSON.stringify(value)}, the CRD ${JSON.stringify(crdNode[key])}`);
      }
    } else if (key === 'pattern') {
      const wanted = { rule: `self.matches(${celString(String(value))})`, message: zodNode[formatKey] };
      const found = ((crdNode['x-kubernetes-validations'] as Rule[] | undefined) ?? []).find((r) => r.rule === wanted.rule);
      if (crdNode.pattern !== undefined) problems.push(`${at}: the CRD refuses with the bare pattern ${String(value)}`);
      if (found?.message !== wanted.message || typeof wanted.message !== 'string') {
        problems.push(`${at}: zod's pattern ${String(value)} is not a CEL rule saying ${JSON.stringify(wanted.message)}`);
      }
    } else if (!structure.has(key)) {
      problems.push(`${at}: zod limit ${key} is not compared by this test`);
    }
  }
  const rules = ((crdNode['x-kubernetes-validations'] as Rule[] | undefined) ?? []).map((r) => r.rule);
  for (const { rule } of (zodNode['x-kubernetes-validations'] as Rule[] | undefined) ?? []) {
    if (!rules.includes(rule)) problems.push(`${at}: the CEL rule ${rule} of the zod schema is not in the CRD`);
  }
  const keys = (zodNode.propertyNames as JsonSchema | undefined) ?? {};
  const keyRules = (crdNode['x-kubernetes-validations'] as Rule[] | undefined) ?? [];
  for (const [key, value] of Object.entries(keys)) {
    if (key === 'type' || key === formatKey) continue;
    const wanted =
      key === 'maxLength'
        ? `size(k) <= ${String(value)}`
        : key === 'minLength'
          ? `size(k) >= ${String(value)}`
          : key === 'pattern'
            ? `k.matches(${celString(String(value))})`
            : undefined;
    const found = wanted === undefined ? undefined : keyRules.find((r) => r.rule.includes('self.all(k,') && r.rule.includes(wanted));
    if (!found) problems.push(`${at}: zod limits keys by ${key}=${JSON.stringify(value)}, the CRD has no such rule`);
    else if (key === 'pattern' && found.message !== `each key ${String(keys[formatKey])}`) {
      problems.push(`${at}: the rule on keys says ${JSON.stringify(found.message)}, not the schema's words`);
    }
  }
  for (const [name, child] of Object.entries((zodNode.properties as Record<string, JsonSchema>) ?? {})) {
    problems.push(...compare(child, (crdNode.properties as Record<string, JsonSchema>)?.[name], `${at}.${name}`));
  }
  if (zodNode.items) problems.push(...compare(zodNode.items as JsonSchema, crdNode.items as JsonSchema, `${at}[]`));
  if (typeof zodNode.additionalProperties === 'object') {
    problems.push(
      ...compare(zodNode.additionalProperties as JsonSchema, crdNode.additionalProperties as JsonSchema, `${at}{}`),
    );
  }
  return problems;
}

describe('zod and the generated CRDs agree on every limit', () => {
  for (const kind of kinds) {
    it(`${kind.kind}: spec and status`, () => {
      const crd = crdFor(kind) as {
        spec: { versions: { schema: { openAPIV3Schema: { properties: Record<string, JsonSchema> } } }[] };
      };
      const served = crd.spec.versions[0]!.schema.openAPIV3Schema.properties;
      const problems = [
        ...compare(z.toJSONSchema(kind.spec, { io: 'input' }) as JsonSchema, served.spec, 'spec'),
        ...compare(z.toJSONSchema(kind.status, { io: 'input' }) as JsonSchema, served.status, 'status'),
      ];
      assert.deepEqual(problems, []);
    });
  }

  it('Compute: selector keys are limited to 63 characters in the CRD too', () => {
    const crd = crdFor(kinds.find((k) => k.kind === 'Compute')!) as {
      spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: JsonSchema } } } }[] };
    };
    const placement = (crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties as Record<string, JsonSchema>)
      .placement!;
    for (const field of ['affinity', 'antiAffinity']) {
      const map = ((placement.properties as Record<string, JsonSchema>)[field]!.items as JsonSchema)!;
      const rules = (map['x-kubernetes-validations'] as Rule[]).map((r) => r.rule);
      assert.ok(rules.includes('self.all(k, size(k) <= 63)'), `${field}: ${JSON.stringify(rules)}`);
    }
  });
});
