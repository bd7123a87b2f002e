// Rules registered by path pattern: comparators, case-insensitive fields, ignored fields, sensitive fields,
// and the patterns themselves.
import assert from 'node:assert/strict';
import { compare, redacted, type DriftRules } from '../../../../controllers/managed/drift/index.ts';
import { coversPath, matchesPath, parsePattern } from '../../../../controllers/managed/drift/paths.ts';

describe('unit: drift rules', () => {
  describe('patterns', () => {
    it('read field names, [] for any index, and named or numbered brackets', () => {
      assert.deepEqual(parsePattern('securityGroups[].ingress'), [
        { name: 'securityGroups' },
        { any: true },
        { name: 'ingress' },
      ]);
      assert.deepEqual(parsePattern('subnets[0].cidr'), [
        { name: 'subnets' },
        { name: '0' },
        { name: 'cidr' },
      ]);
      assert.deepEqual(parsePattern('labels[app.kubernetes.io/name]'), [
        { name: 'labels' },
        { name: 'app.kubernetes.io/name' },
      ]);
    });
    it('refuse what they cannot read', () => {
      assert.throws(() => parsePattern(''), /at least one field/);
      assert.throws(() => parsePattern('a..b'), /cannot be read/);
      assert.throws(() => parsePattern('a[0]b'), /cannot be read/);
    });
    it('match a path exactly, or cover it and everything below', () => {
      const pattern = parsePattern('securityGroups[].ingress');
      assert.equal(matchesPath(pattern, ['securityGroups', 3, 'ingress']), true);
      assert.equal(matchesPath(pattern, ['securityGroups', 3, 'ingress', 0]), false);
      assert.equal(coversPath(pattern, ['securityGroups', 3, 'ingress', 0, 'ports']), true);
      assert.equal(coversPath(pattern, ['securityGroups', 3, 'egress', 0]), false);
      assert.equal(coversPath(parsePattern('subnets[1]'), ['subnets', 0, 'cidr']), false);
    });
  });

  describe('comparators', () => {
    const rules: DriftRules = {
      comparators: { 'volumes[].size': (d, a) => Math.abs(Number(d) - Number(a)) <= 1 },
    };
    it('decide equality at their path', () => {
      assert.deepEqual(compare({ volumes: [{ size: 100 }] }, { volumes: [{ size: 101 }] }, rules), []);
    });
    it('name one value_changed when they say the values differ', () => {
      assert.deepEqual(compare({ volumes: [{ size: 100 }] }, { volumes: [{ size: 110 }] }, rules), [
        { path: 'volumes[0].size', type: 'value_changed', severity: 'functional', desired: 100, actual: 110 },
      ]);
    });
    it('take whole subtrees, and a missing side is still key_removed', () => {
      const sameLength: DriftRules = {
        comparators: { tags: (d, a) => (d as unknown[]).length === (a as unknown[]).length },
      };
      assert.deepEqual(compare({ tags: ['a', 'b'] }, { tags: ['x', 'y'] }, sameLength), []);
      assert.deepEqual(
        compare({ tags: ['a'] }, {}, sameLength).map((r) => r.type),
        ['key_removed'],
      );
    });
  });

  describe('caseInsensitive', () => {
    const rules: DriftRules = { caseInsensitive: ['hostname', 'dns'] };
    it('folds case at the field and below it', () => {
      assert.deepEqual(
        compare({ hostname: 'Web-1', dns: ['A.example'] }, { hostname: 'web-1', dns: ['a.EXAMPLE'] }, rules),
        [],
      );
    });
    it('leaves other fields case-sensitive', () => {
      assert.equal(compare({ zone: 'A' }, { zone: 'a' }, rules).length, 1);
    });
    it('still sees a different value', () => {
      assert.equal(compare({ hostname: 'web-1' }, { hostname: 'web-2' }, rules).length, 1);
    });
    it('lets reordered unordered items differing only in case pair', () => {
      const unordered: DriftRules = { unordered: { dns: null }, caseInsensitive: ['dns'] };
      assert.deepEqual(compare({ dns: ['A', 'b'] }, { dns: ['B', 'a'] }, unordered), []);
    });
  });

  describe('ignore', () => {
    const rules: DriftRules = { ignore: ['createdAt', 'securityGroups[].ingress[].ruleId'] };
    it('never compares an ignored field, whichever side has it', () => {
      assert.deepEqual(compare({ createdAt: 'x' }, {}, rules), []);
      assert.deepEqual(compare({}, { createdAt: 'x' }, rules), []);
      assert.deepEqual(compare({ createdAt: 'x' }, { createdAt: 'y' }, rules), []);
    });
    it('ignores fields the outside adds inside list items', () => {
      const desired = { securityGroups: [{ ingress: [{ ports: '22' }] }] };
      const actual = { securityGroups: [{ ingress: [{ ports: '22', ruleId: 'sgr-1' }] }] };
      assert.deepEqual(compare(desired, actual, rules), []);
    });
    it('lets items of an unordered list differing only in ignored fields pair', () => {
      const unordered: DriftRules = { unordered: { rules: null }, ignore: ['rules[].id'] };
      assert.deepEqual(
        compare(
          { rules: [{ p: 1 }, { p: 2 }] },
          {
            rules: [
              { p: 2, id: 'b' },
              { p: 1, id: 'a' },
            ],
          },
          unordered,
        ),
        [],
      );
    });
    it('ignores everything below an ignored field', () => {
      assert.deepEqual(compare({ meta: { a: 1 } }, { meta: { a: 2, b: [1] } }, { ignore: ['meta'] }), []);
    });
  });

  describe('sensitive', () => {
    const rules: DriftRules = { sensitive: ['password', 'users[].token'] };
    it('compares a sensitive value but never shows it', () => {
      assert.deepEqual(compare({ password: 'hunter2' }, { password: 'hunter3' }, rules), [
        {
          path: 'password',
          type: 'value_changed',
          severity: 'functional',
          desired: redacted,
          actual: redacted,
        },
      ]);
    });
    it('hides sensitive fields inside a whole value a record carries', () => {
      const [record] = compare({ users: [] }, { users: [{ name: 'a', token: 's3cret' }] }, rules);
      assert.deepEqual(record!.actual, { name: 'a', token: redacted });
      assert.doesNotMatch(JSON.stringify(record), /s3cret/);
    });
    it('finds no drift when the sensitive value is the same', () => {
      assert.deepEqual(compare({ password: 'x' }, { password: 'x' }, rules), []);
    });
  });
});
