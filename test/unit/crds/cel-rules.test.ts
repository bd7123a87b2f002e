// The generator's handling of patterns and CEL rules, and the constants the CRDs' CEL rules share with the
// webhooks and the controllers: the same bounds and the same fields, so both refuse alike.
import assert from 'node:assert/strict';
import { z } from 'zod';
import { crdFor } from '../../../crds/generator/crd.ts';
import { toStructural, zodToOpenApi, type JsonSchema } from '../../../crds/generator/structural.ts';
import { celFormat, celString, unchanged } from '../../../crds/schemas/cel.ts';
import { formatted } from '../../../crds/schemas/common.ts';
import { memoryBounds } from '../../../crds/schemas/compute.ts';
import { kinds } from '../../../crds/schemas/index.ts';
import { issuedFinalFields } from '../../../crds/schemas/invoice-rules.ts';
import { minimumMemoryMiB } from '../../../controllers/compute/spec-rules.ts';
import { memoryMiB } from '../../../controllers/compute/resources.ts';
import { issuedInvoiceProblems } from '../../../webhooks/invoice.ts';

type Rules = { rule: string; message: string; messageExpression?: string }[];

describe('unit: the CRD generator on patterns and rules', () => {
  it('turns a pattern into a CEL rule with its words, and drops the bare pattern', () => {
    const node = zodToOpenApi(z.object({ month: formatted(/^\d{4}-\d{2}$/, 'a month such as 2026-11', 7) }));
    const month = (node.properties as Record<string, JsonSchema>).month!;
    assert.equal(month.pattern, undefined);
    assert.deepEqual(month['x-kubernetes-validations'], [
      { rule: "self.matches('^\\\\d{4}-\\\\d{2}$')", message: 'must be a month such as 2026-11' },
    ]);
    assert.equal(month.maxLength, 7);
  });

  it('refuses a pattern without words, one on a string of unbounded length, and combinators', () => {
    assert.throws(() => zodToOpenApi(z.object({ a: z.string().max(5).regex(/^a$/) })), /says nothing when refused/);
    assert.throws(
      () => zodToOpenApi(z.object({ a: z.string().regex(/^a$/).meta({ 'x-omnicloud-format': 'must be a' }) })),
      /has no maxLength/,
    );
    assert.throws(() => toStructural({ type: 'string', anyOf: [{ type: 'string' }] }), /anyOf has no structural form/);
  });

  it('words map-key patterns as the key schema does', () => {
    const node = zodToOpenApi(z.record(formatted(/^[a-z]+$/, 'a word', 10), z.string().max(3)));
    const rules = node['x-kubernetes-validations'] as Rules;
    assert.ok(rules.some((r) => r.rule === "self.all(k, k.matches('^[a-z]+$'))" && r.message === 'each key must be a word'));
  });

  it('escapes CEL string literals', () => {
    assert.equal(celString("it's \\d"), "'it\\'s \\\\d'");
    assert.equal(celFormat('%s of %d', ['self.a', 'self.b']), "'%s of %d'.format([self.a, self.b])");
  });

  it('keeps an optional field from appearing or disappearing, naming its old value or unset', () => {
    const rule = unchanged('zone', 'optional', 'create a new Compute instead');
    assert.equal(rule.rule, 'has(self.zone) == has(oldSelf.zone) && (!has(self.zone) || self.zone == oldSelf.zone)');
    assert.match(rule.messageExpression!, /is immutable \(was unset\); create a new Compute instead/);
  });

  it('judges a rule on the whole object by what the update starts from, so metadata and status updates pass', () => {
    // A rule on the whole object is judged on every update (no ratcheting: the object always changes), so one
    // that ignores oldSelf would keep an older object from losing its finalizer.
    for (const kind of kinds) {
      for (const r of kind.objectRules ?? []) assert.match(r.rule, /oldSelf/, `${kind.kind}: ${r.rule}`);
    }
  });

  it('gives every rule a message of its own, and rules on an update a way to name the field', () => {
    const walk = (node: JsonSchema, at: string, out: [string, Rules][]) => {
      if (node['x-kubernetes-validations']) out.push([at, node['x-kubernetes-validations'] as Rules]);
      for (const [name, child] of Object.entries((node.properties as Record<string, JsonSchema>) ?? {})) {
        walk(child, `${at}.${name}`, out);
      }
      if (node.items) walk(node.items as JsonSchema, `${at}[]`, out);
      if (typeof node.additionalProperties === 'object') walk(node.additionalProperties as JsonSchema, `${at}{}`, out);
      return out;
    };
    for (const kind of kinds) {
      const crd = crdFor(kind) as { spec: { versions: { schema: { openAPIV3Schema: JsonSchema } }[] } };
      for (const [at, rules] of walk(crd.spec.versions[0]!.schema.openAPIV3Schema, kind.kind, [])) {
        for (const r of rules) {
          assert.ok(r.message.length > 10, `${at}: ${r.rule}`);
          if (r.rule.includes('oldSelf') && !r.messageExpression) assert.match(r.message, /^(spec|status|metadata)\./, `${at}: ${r.rule}`);
        }
      }
    }
  });
});

describe('unit: the CRDs and the webhooks share their bounds and fields', () => {
  it("Compute memory: the CRD's least memory is the controller's, counted in MiB rounded up", () => {
    assert.equal(memoryBounds.minimumMiB, minimumMemoryMiB);
    assert.equal(memoryMiB(memoryBounds.maximum), memoryBounds.maximumMiB);
    // The CRD refuses what is at most 255Mi: one byte more is 256 MiB to the controller.
    assert.equal(memoryMiB(String(255 * 2 ** 20)), 255);
    assert.equal(memoryMiB(String(255 * 2 ** 20 + 1)), 256);
  });

  it('Invoice: the CRD keeps final exactly the fields the webhook keeps final', () => {
    const status = Object.fromEntries(issuedFinalFields.map((f) => [f, f === 'phase' ? 'Issued' : `${f}-value`]));
    const old = { metadata: { name: 'inv' }, spec: { month: '2026-11' }, status };
    for (const field of issuedFinalFields) {
      const changed = { ...old, status: { ...status, [field]: 'other' } };
      assert.deepEqual(
        issuedInvoiceProblems(changed, old).map((p) => p.field),
        [`status.${field}`],
        field,
      );
    }
    const moved = { ...old, status: { ...status, computedAt: 'now', conditions: [], observedGeneration: 2 } };
    assert.deepEqual(issuedInvoiceProblems(moved, old), []);
  });
});
