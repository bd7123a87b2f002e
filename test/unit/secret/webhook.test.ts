// Admission of ManagedSecrets: exactly one of source and generate, rotation only of a generated value with a
// strict period, no switch between source and generate nor a moved target once created, and the rotate-at and
// external-name annotations judged when set; the CRD's CEL rules carry the same words.
import assert from 'node:assert/strict';
import { managedSecretKind } from '../../../crds/schemas/managed-secret.ts';
import { validateManagedSecret } from '../../../webhooks/managed-secret.ts';
import {
  managedSecretKind as secretControllerKind,
  type SecretDeps,
  type SecretObj,
} from '../../../controllers/secret/reconcile.ts';

const obj = (spec: unknown, annotations: Record<string, string> = {}) => ({
  kind: 'ManagedSecret',
  metadata: { name: 'db', namespace: 'tenant-acme', annotations },
  spec,
});
const fields = (problems: { field: string }[]) => problems.map((p) => p.field);

describe('unit: ManagedSecret admission', () => {
  it('accepts a generated value with a rotation, and a copied one', () => {
    assert.deepEqual(
      validateManagedSecret('CREATE', obj({ generate: { length: 32 }, rotation: { every: '24h' } })),
      [],
    );
    assert.deepEqual(
      validateManagedSecret('CREATE', obj({ source: { secretRef: { name: 'src', key: 'pw' } } })),
      [],
    );
  });

  it('refuses both or neither of source and generate, naming spec.source', () => {
    const both = validateManagedSecret(
      'CREATE',
      obj({ generate: {}, source: { secretRef: { name: 'a', key: 'b' } } }),
    );
    assert.deepEqual(fields(both), ['spec.source']);
    assert.match(both[0]!.message, /exactly one of spec.source .* and spec.generate/);
    assert.deepEqual(fields(validateManagedSecret('CREATE', obj({}))), ['spec.source']);
  });

  it('refuses a rotation of a copied value and a period that is not one', () => {
    const copied = validateManagedSecret(
      'CREATE',
      obj({ source: { secretRef: { name: 'a', key: 'b' } }, rotation: { every: '1h' } }),
    );
    assert.deepEqual(fields(copied), ['spec.rotation']);
    const compound = validateManagedSecret('CREATE', obj({ generate: {}, rotation: { every: '1h30m' } }));
    assert.deepEqual(fields(compound), ['spec.rotation.every']);
    assert.match(compound[0]!.message, /s, m, h and d/);
    assert.deepEqual(
      fields(validateManagedSecret('CREATE', obj({ generate: {}, rotation: { every: '5s' } }))),
      ['spec.rotation.every'],
    );
  });

  it('refuses lengths, charsets and histories out of bounds', () => {
    assert.deepEqual(fields(validateManagedSecret('CREATE', obj({ generate: { length: 7 } }))), [
      'spec.generate.length',
    ]);
    assert.deepEqual(fields(validateManagedSecret('CREATE', obj({ generate: { charset: 'emoji' } }))), [
      'spec.generate.charset',
    ]);
    assert.deepEqual(fields(validateManagedSecret('CREATE', obj({ generate: {}, history: 0 }))), [
      'spec.history',
    ]);
  });

  it('refuses a switch between source and generate and a moved target on update', () => {
    const old = obj({ generate: {}, target: { name: 'one' } });
    assert.deepEqual(
      fields(
        validateManagedSecret(
          'UPDATE',
          obj({ source: { secretRef: { name: 'a', key: 'b' } }, target: { name: 'one' } }),
          old,
        ),
      ),
      ['spec.source'],
    );
    assert.deepEqual(
      fields(validateManagedSecret('UPDATE', obj({ generate: {}, target: { name: 'two' } }), old)),
      ['spec.target.name'],
    );
    assert.deepEqual(
      validateManagedSecret('UPDATE', obj({ generate: { length: 64 }, target: { name: 'one' } }), old),
      [],
    );
  });

  it('judges rotate-at and external-name when they are set', () => {
    const spec = { generate: {} };
    assert.deepEqual(
      fields(validateManagedSecret('CREATE', obj(spec, { 'omnicloud.io/rotate-at': 'now please' }))),
      ['metadata.annotations[omnicloud.io/rotate-at]'],
    );
    assert.deepEqual(
      validateManagedSecret('CREATE', obj(spec, { 'omnicloud.io/rotate-at': '2026-01-31T12:00:00Z' })),
      [],
    );
    const foreign = validateManagedSecret(
      'CREATE',
      obj(spec, { 'omnicloud.io/external-name': 'tenants/globex/x/y' }),
    );
    assert.deepEqual(fields(foreign), ['metadata.annotations[omnicloud.io/external-name]']);
    assert.deepEqual(
      validateManagedSecret('CREATE', obj(spec, { 'omnicloud.io/external-name': 'apps/legacy/db' })),
      [],
    );
  });

  it('gives the API server the same rules as CEL', () => {
    const rules = (managedSecretKind.rules[''] ?? []).map((r) => r.rule);
    assert.ok(rules.includes('has(self.source) != has(self.generate)'));
    assert.ok(rules.includes('!has(self.rotation) || has(self.generate)'));
    assert.match(managedSecretKind.rules.rotation?.[0]?.rule ?? '', /31622400/);
  });

  it('is applied by the controller too: an object that got past admission is InvalidSpec, naming the field', () => {
    const kind = secretControllerKind({} as SecretDeps);
    const reading = kind.readSpec(
      obj({ generate: {} }, { 'omnicloud.io/rotate-at': 'two words' }) as unknown as SecretObj,
      undefined,
    );
    assert.ok('invalid' in reading);
    assert.match(reading.invalid, /metadata.annotations\[omnicloud.io\/rotate-at\]/);
    assert.equal(reading.spec, undefined, 'nothing to act on before anything is recorded');
    const fine = kind.readSpec(
      obj({ generate: {} }, { 'omnicloud.io/rotate-at': 'r1' }) as unknown as SecretObj,
      undefined,
    );
    assert.ok(!('invalid' in fine));
    assert.deepEqual([fine.spec?.rotateRequest, fine.spec?.targetName], ['r1', 'db']);
  });
});
