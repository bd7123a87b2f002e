// Properties of the comparison and the plan over random JSON: a value never drifts from itself, reordering an
// unordered list is no drift, one edit of one leaf is exactly one record at exactly that path, numbers and
// flags written as strings are no drift, and a plan's hash does not depend on the order of its records.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { driftSeverities, driftTypes, type DriftPolicy } from '../../../../crds/schemas/managed.ts';
import {
  compare,
  planRemediation,
  type DriftRecord,
  type DriftRules,
} from '../../../../controllers/managed/drift/index.ts';
import { renderPath, type Segment } from '../../../../controllers/managed/drift/paths.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every leaf (a scalar, or an empty list or object) with its path. */
function leaves(value: Json, path: Segment[] = []): Segment[][] {
  if (Array.isArray(value))
    return value.length === 0 ? [path] : value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length === 0 ? [path] : keys.flatMap((k) => leaves(value[k]!, [...path, k]));
  }
  return [path];
}

function at(value: Json, path: readonly Segment[]): Json {
  return path.reduce<Json>((v, s) => (v as Record<string, Json>)[s as string]!, value);
}

/** A copy of value with the leaf at path replaced, or removed when replacement is undefined. */
function edited(value: Json, path: readonly Segment[], replacement: Json | undefined): Json | undefined {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string, Json>;
  const inner = edited(copy[head as string]!, rest, replacement);
  if (inner === undefined) delete copy[head as string];
  else copy[head as string] = inner;
  return copy as Json;
}

const json = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;
const sentinel = 'edited \u0000 value';

const permuted = <T>(items: fc.Arbitrary<T[]>) =>
  items.chain((list) =>
    fc
      .shuffledSubarray(list, { minLength: list.length, maxLength: list.length })
      .map((order) => [list, order] as const),
  );

describe('unit: drift properties', () => {
  it('compare(x, x) is empty for any JSON, and for a deep copy of it', () => {
    fc.assert(
      fc.property(json, (x) => {
        assert.deepEqual(compare(x, x), []);
        assert.deepEqual(compare(x, structuredClone(x)), []);
      }),
      { numRuns: 300 },
    );
  });

  it('numbers and flags written as strings by the outside are no drift', () => {
    const asStrings = (v: Json): Json =>
      Array.isArray(v)
        ? v.map(asStrings)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asStrings(x)]))
          : typeof v === 'number' || typeof v === 'boolean'
            ? String(v)
            : v;
    fc.assert(
      fc.property(json, (x) => assert.deepEqual(compare(x, asStrings(x)), [])),
      { numRuns: 300 },
    );
  });

  it('any permutation of an unordered list of any values is no drift', () => {
    const rules: DriftRules = { unordered: { items: null } };
    fc.assert(
      fc.property(permuted(fc.array(json, { maxLength: 8 })), ([list, order]) => {
        assert.deepEqual(compare({ items: list }, { items: order }, rules), []);
      }),
      { numRuns: 300 },
    );
  });

  it('any permutation of groups and of their nested unordered rules is no drift', () => {
    const rules: DriftRules = { unordered: { groups: 'name', 'groups[].rules': ['ports', 'cidr'] } };
    const rule = fc.record({
      ports: fc.integer({ min: 1, max: 65535 }),
      cidr: fc.constantFrom('10.0.0.0/8', '::/0', '2001:db8::/32'),
    });
    const group = (name: string) =>
      fc.record({
        name: fc.constant(name),
        rules: permuted(fc.uniqueArray(rule, { selector: (r) => `${r.ports} ${r.cidr}`, maxLength: 5 })),
      });
    const groups = fc
      .uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 5 })
      .chain((names) => fc.tuple(...names.map(group)));
    fc.assert(
      fc.property(
        groups.chain((gs) =>
          fc
            .shuffledSubarray(gs, { minLength: gs.length, maxLength: gs.length })
            .map((order) => [gs, order] as const),
        ),
        ([gs, order]) => {
          const desired = { groups: gs.map((g) => ({ name: g.name, rules: g.rules[0] })) };
          const observed = { groups: order.map((g) => ({ name: g.name, rules: g.rules[1] })) };
          assert.deepEqual(compare(desired, observed, rules), []);
        },
      ),
    );
  });

  it('one edit of one leaf is exactly one record, at exactly that path', () => {
    // A scalar, a container of another shape than the leaf, or the key removed.
    const edit = fc.constantFrom('scalar', 'container', 'remove');
    fc.assert(
      fc.property(json, fc.nat(), edit, (x, pick, how) => {
        const paths = leaves(x);
        const path = paths[pick % paths.length]!;
        const leaf = at(x, path);
        const container: Json =
          leaf !== null && typeof leaf === 'object' && !Array.isArray(leaf) ? ['edited'] : { edited: 1 };
        const replacement = how === 'scalar' ? sentinel : how === 'container' ? container : undefined;
        const parent = path.length === 0 ? undefined : at(x, path.slice(0, -1));
        // Removing is an edit only of an object's key: removing a list item moves every item after it.
        fc.pre(
          replacement !== undefined ||
            (parent !== null && typeof parent === 'object' && !Array.isArray(parent)),
        );
        fc.pre(leaf !== sentinel);
        const records = compare(x, edited(x, path, replacement));
        assert.equal(records.length, 1, JSON.stringify(records));
        assert.equal(records[0]!.path, renderPath(path));
        assert.equal(records[0]!.type, replacement === undefined ? 'key_removed' : records[0]!.type);
      }),
      { numRuns: 500 },
    );
  });

  it('one edit inside a reordered unordered list is one record, at the item index in the spec', () => {
    const rules: DriftRules = { unordered: { groups: 'name' } };
    const groups = fc
      .uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 })
      .chain((names) =>
        fc.tuple(
          ...names.map((name) => fc.record({ name: fc.constant(name), size: fc.integer({ max: 1000 }) })),
        ),
      );
    fc.assert(
      fc.property(permuted(groups), fc.nat(), ([gs, order], pick) => {
        const target = gs[pick % gs.length]!;
        const observed = order.map((g) => (g.name === target.name ? { ...g, size: g.size + 1 } : g));
        const records = compare({ groups: gs }, { groups: observed }, rules);
        assert.deepEqual(
          records.map((r) => r.path),
          [`groups[${gs.indexOf(target)}].size`],
        );
      }),
    );
  });

  it('the plan hash does not depend on the order of the records', () => {
    const record: fc.Arbitrary<DriftRecord> = fc.record(
      {
        path: fc.constantFrom('powerState', 'vcpu', 'securityGroups[0].ingress[1]', 'labels.team', '$'),
        type: fc.constantFrom(...driftTypes),
        severity: fc.constantFrom(...driftSeverities),
        desired: json,
        actual: json,
      },
      { requiredKeys: ['path', 'type', 'severity'] },
    );
    const policy: DriftPolicy = { default: 'revert', overrides: [{ path: 'labels', action: 'accept' }] };
    fc.assert(
      fc.property(permuted(fc.array(record, { maxLength: 10 })), ([records, order]) => {
        const one = planRemediation(records, policy);
        const two = planRemediation(order, policy);
        assert.equal(one.hash, two.hash);
        assert.deepEqual(one.changes, two.changes);
      }),
    );
  });
});
