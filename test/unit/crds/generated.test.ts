// The CRDs in crds/ match the zod schemas, are structural, and the schemas accept and refuse what they should.
import assert from 'node:assert/strict';
import { staleCrdFiles } from '../../../crds/generate.ts';
import { crdFor } from '../../../crds/generator/crd.ts';
import { structuralProblems, toStructural, type JsonSchema } from '../../../crds/generator/structural.ts';
import { kinds } from '../../../crds/schemas/index.ts';
import { tenantSpecSchema } from '../../../crds/schemas/tenant.ts';
import { currencyMinorUnits } from '../../../crds/schemas/common.ts';
import { invalidTenantSpecs, validTenantSpec } from '../../contract/fixtures/tenants.ts';

describe('generated CRDs', () => {
  it('crds/ is up to date with crds/schemas (run npm run crds:generate)', () => {
    assert.deepEqual(staleCrdFiles(), []);
  });

  for (const kind of kinds) {
    it(`${kind.kind}: the schema is structural, with category omnicloud and a status subresource`, () => {
      const crd = crdFor(kind) as { spec: { names: { categories: string[] }; versions: { schema: { openAPIV3Schema: JsonSchema }; subresources: object }[] } };
      const version = crd.spec.versions[0]!;
      assert.deepEqual(structuralProblems(version.schema.openAPIV3Schema), []);
      assert.deepEqual(crd.spec.names.categories, ['omnicloud']);
      assert.deepEqual(version.subresources, { status: {} });
    });
  }

  it('refuses a schema node without a type, and drops forbidden keywords', () => {
    assert.throws(() => toStructural({ properties: {} }), /without a type/);
    assert.deepEqual(toStructural({ type: 'object', $schema: 'x', additionalProperties: false, properties: {} }), { type: 'object', properties: {} });
  });
});

describe('Tenant schema', () => {
  it('accepts the valid example and fills defaults', () => {
    const parsed = tenantSpecSchema.parse(validTenantSpec);
    assert.equal(parsed.suspended, false);
    assert.equal(parsed.tier, 'standard');
  });
  for (const [what, spec] of Object.entries(invalidTenantSpecs)) {
    it(`refuses ${what}`, () => {
      assert.equal(tenantSpecSchema.safeParse(spec).success, false);
    });
  }
  it('knows the minor units of the currencies billing depends on', () => {
    assert.equal(currencyMinorUnits.USD, 2);
    assert.equal(currencyMinorUnits.EUR, 2);
    assert.equal(currencyMinorUnits.JPY, 0);
    assert.equal(currencyMinorUnits.KWD, 3);
  });
});
