// The fields every managed kind shares (crds/schemas/managed.ts), as the Compute, Volume and Network CRDs
// carry them: policies with their defaults, drift paths listed once in zod's and the CEL rule's same words, the
// drift status and its column in wide output; nothing about them is immutable.
import assert from 'node:assert/strict';
import { crdFor, type CelRule } from '../../../crds/generator/crd.ts';
import type { JsonSchema } from '../../../crds/generator/structural.ts';
import { computeKind } from '../../../crds/schemas/compute.ts';
import { driftPolicySchema } from '../../../crds/schemas/managed.ts';
import { networkKind } from '../../../crds/schemas/network.ts';
import { volumeKind } from '../../../crds/schemas/volume.ts';

type Crd = {
  spec: {
    versions: {
      schema: { openAPIV3Schema: JsonSchema };
      additionalPrinterColumns: { name: string; type: string; jsonPath: string; priority?: number }[];
    }[];
  };
};

const props = (node: JsonSchema) => node.properties as Record<string, JsonSchema>;
const rulesOf = (node: JsonSchema) => (node['x-kubernetes-validations'] as CelRule[] | undefined) ?? [];

/** Every rule in the schema below `node`, with the path it sits at. */
function allRules(node: JsonSchema, at = ''): { at: string; rule: CelRule }[] {
  return [
    ...rulesOf(node).map((rule) => ({ at, rule })),
    ...Object.entries((node.properties as Record<string, JsonSchema>) ?? {}).flatMap(([k, v]) => allRules(v, `${at}.${k}`)),
    ...(node.items ? allRules(node.items as JsonSchema, `${at}[]`) : []),
  ];
}

describe('unit: managed fields in the Compute, Volume and Network CRDs', () => {
  for (const kind of [computeKind, volumeKind, networkKind]) {
    const version = (crdFor(kind) as Crd).spec.versions[0]!;
    const root = version.schema.openAPIV3Schema;
    const spec = props(root).spec!;
    const status = props(root).status!;

    it(`${kind.kind}: policies with their defaults, and a driftPolicy whose paths are listed once`, () => {
      assert.deepEqual(props(spec).managementPolicy, {
        default: 'Full',
        enum: ['Full', 'ObserveOnly', 'NoUpdate', 'NoDelete'],
        type: 'string',
      });
      assert.deepEqual(props(spec).deletionPolicy, { default: 'Delete', enum: ['Delete', 'Orphan'], type: 'string' });
      const drift = props(spec).driftPolicy!;
      assert.deepEqual(drift.default, { default: 'revert', overrides: [] });
      const overrides = props(drift).overrides!;
      assert.equal(overrides.maxItems, 32);
      assert.deepEqual(
        rulesOf(overrides).map((r) => r.messageExpression),
        [
          "'spec.driftPolicy.overrides[%d].path: %s is listed twice'.format([self.transformList(i, s, self.exists(j, t, j < i && t.path == s.path), i)[0], self.transformList(i, s, self.exists(j, t, j < i && t.path == s.path), s.path)[0]])",
        ],
      );
      assert.deepEqual(
        rulesOf(props(overrides.items as JsonSchema).path!).map((r) => r.message),
        [
          'must be a field path such as powerState or securityGroups[0].ingress: field names joined by dots, with [index] or [name] after a list',
        ],
      );
    });

    it(`${kind.kind}: no rule holds the managed fields as created (a resource is taken over or let go by changing them)`, () => {
      const holding = allRules(spec).filter(({ rule }) =>
        /oldSelf[^,]*\b(managementPolicy|deletionPolicy|driftPolicy)\b/.test(rule.rule),
      );
      assert.deepEqual(holding, []);
    });

    it(`${kind.kind}: status.drift, shown as the Drift column in wide output`, () => {
      assert.deepEqual(props(status).drift!.required, ['total', 'counts']);
      assert.deepEqual(
        version.additionalPrinterColumns.find((c) => c.name === 'Drift'),
        { name: 'Drift', type: 'integer', jsonPath: '.status.drift.total', priority: 1 },
      );
    });
  }

  it('zod refuses a drift path listed twice in the CEL rule\'s words, at the second listing', () => {
    const parsed = driftPolicySchema.safeParse({
      overrides: [
        { path: 'powerState', action: 'revert' },
        { path: 'tags', action: 'alert' },
        { path: 'powerState', action: 'accept' },
        { path: 'tags', action: 'alert' },
      ],
    });
    assert.equal(parsed.success, false);
    assert.deepEqual(
      parsed.error!.issues.map((i) => [i.path.join('.'), i.message]),
      [
        ['overrides.2.path', 'powerState is listed twice'],
        ['overrides.3.path', 'tags is listed twice'],
      ],
    );
  });

  it('zod takes drift paths of printable ASCII and refuses others, as the API server does', () => {
    const ok = (path: string) => driftPolicySchema.safeParse({ overrides: [{ path, action: 'alert' }] }).success;
    for (const path of ['powerState', 'securityGroups[0].ingress[2].ports', 'subnets[web]', `tags[${'~'.repeat(63)}]`])
      assert.equal(ok(path), true, path);
    for (const path of ['', '0tags', 'tags.', 'tags[]', 'tags[a b]', 'tags[\u0001]', 'tags[é]', `tags[${'a'.repeat(64)}]`, `a${'.b'.repeat(127)}`])
      assert.equal(ok(path), false, JSON.stringify(path));
  });
});
