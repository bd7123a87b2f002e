// The CRDs in crds/ match the zod schemas, are structural, and the schemas accept and refuse what they should.
import assert from 'node:assert/strict';
import { staleCrdFiles } from '../../../crds/generate.ts';
import { crdFor } from '../../../crds/generator/crd.ts';
import { structuralProblems, toStructural, type JsonSchema } from '../../../crds/generator/structural.ts';
import { kinds } from '../../../crds/schemas/index.ts';
import { tenantSpecSchema } from '../../../crds/schemas/tenant.ts';
import { computeSpecSchema } from '../../../crds/schemas/compute.ts';
import { volumeKind, volumeSpecSchema } from '../../../crds/schemas/volume.ts';
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

describe('Volume schema', () => {
  const valid = { region: 'eu-west-1', zone: 'eu-west-1a', sizeGiB: 100 };
  it('accepts a volume and defaults its type to standard', () => {
    assert.equal(volumeSpecSchema.parse(valid).type, 'standard');
    assert.equal(volumeSpecSchema.parse({ ...valid, type: 'ssd', sizeGiB: 65536 }).type, 'ssd');
  });
  for (const [what, spec] of Object.entries({
    'a size of zero': { ...valid, sizeGiB: 0 },
    'a size over 64 TiB': { ...valid, sizeGiB: 65537 },
    'a fractional size': { ...valid, sizeGiB: 1.5 },
    'an unknown type': { ...valid, type: 'nvme' },
    'no zone': { ...valid, zone: undefined },
  })) {
    it(`refuses ${what}`, () => assert.equal(volumeSpecSchema.safeParse(spec).success, false));
  }
  it('carries its immutability and never-shrink rules into the CRD as transition rules', () => {
    const crd = crdFor(volumeKind) as {
      spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: JsonSchema } } } }[] };
    };
    const rules = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] as {
      rule: string;
    }[];
    for (const field of ['region', 'zone', 'type']) {
      assert.ok(rules.some((r) => r.rule === `self.${field} == oldSelf.${field}`), field);
    }
    assert.ok(rules.some((r) => r.rule === 'self.sizeGiB >= oldSelf.sizeGiB'));
  });
});

describe('Compute schema: public address', () => {
  it('defaults publicIp to false', () => {
    const spec = { region: 'eu-west-1', size: 'small', image: 'debian-12', network: 'n', subnet: 'a' };
    assert.equal(computeSpecSchema.parse(spec).publicIp, false);
    assert.equal(computeSpecSchema.safeParse({ ...spec, publicIp: 'yes' }).success, false);
  });
});
