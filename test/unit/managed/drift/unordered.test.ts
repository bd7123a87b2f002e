// Unordered lists: compared as sets matched by identity, so reordering is no drift, one edited item is one
// record at its field (named by its index in the spec), and unmatched items are missing or extra.
import assert from 'node:assert/strict';
import { compare, type DriftRules } from '../../../../controllers/managed/drift/index.ts';

const rule = (protocol: string, ports: string, cidr: string) => ({ protocol, ports, cidr });
const web = {
  name: 'web',
  ingress: [
    rule('tcp', '22', '10.0.0.0/8'),
    rule('tcp', '80', '10.0.0.0/8'),
    rule('tcp', '443', '10.0.0.0/8'),
  ],
};
const db = { name: 'db', ingress: [rule('tcp', '5432', '10.1.0.0/16')] };
const byName: DriftRules = {
  unordered: {
    securityGroups: 'name',
    'securityGroups[].ingress': (r) => `${(r as { ports: string }).ports}`,
  },
};

describe('unit: drift unordered lists', () => {
  it('finds nothing when groups and their rules are reordered', () => {
    const actual = { securityGroups: [{ ...db }, { name: 'web', ingress: [...web.ingress].reverse() }] };
    assert.deepEqual(compare({ securityGroups: [web, db] }, actual, byName), []);
  });

  it('names one edited rule once, at its field, by its index in the spec', () => {
    const edited = {
      name: 'web',
      ingress: [web.ingress[2]!, web.ingress[0]!, { ...web.ingress[1]!, cidr: '10.9.0.0/16' }],
    };
    const records = compare({ securityGroups: [web, db] }, { securityGroups: [db, edited] }, byName);
    assert.deepEqual(records, [
      {
        path: 'securityGroups[0].ingress[1].cidr',
        type: 'value_changed',
        severity: 'security',
        desired: '10.0.0.0/8',
        actual: '10.9.0.0/16',
      },
    ]);
  });

  it('names the edited field securityGroups[0].ingress[2].ports when identity is the other fields', () => {
    const rules: DriftRules = {
      unordered: { securityGroups: 'name', 'securityGroups[].ingress': ['protocol', 'cidr'] },
    };
    const desired = {
      securityGroups: [
        {
          name: 'web',
          ingress: [
            rule('tcp', '22', '10.0.0.0/8'),
            rule('udp', '53', '10.0.0.0/8'),
            rule('tcp', '443', '0.0.0.0/0'),
          ],
        },
      ],
    };
    const actual = {
      securityGroups: [
        {
          name: 'web',
          ingress: [
            rule('tcp', '8443', '0.0.0.0/0'),
            rule('tcp', '22', '10.0.0.0/8'),
            rule('udp', '53', '10.0.0.0/8'),
          ],
        },
      ],
    };
    const records = compare(desired, actual, rules);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.path, 'securityGroups[0].ingress[2].ports');
  });

  it('names an item only the spec has as resource_missing at its index in the spec', () => {
    const actual = { securityGroups: [{ name: 'web', ingress: [web.ingress[2]!, web.ingress[0]!] }, db] };
    assert.deepEqual(compare({ securityGroups: [web, db] }, actual, byName), [
      {
        path: 'securityGroups[0].ingress[1]',
        type: 'resource_missing',
        severity: 'security',
        desired: web.ingress[1],
      },
    ]);
  });

  it('names an item only the outside has as resource_extra at its index in the observed list', () => {
    const extra = rule('tcp', '8080', '10.0.0.0/8');
    const actual = { securityGroups: [db, { name: 'web', ingress: [extra, ...web.ingress] }] };
    assert.deepEqual(compare({ securityGroups: [web, db] }, actual, byName), [
      { path: 'securityGroups[0].ingress[0]', type: 'resource_extra', severity: 'security', actual: extra },
    ]);
  });

  it('names a whole missing group once, and a whole extra group once', () => {
    const other = { name: 'cache', ingress: [] };
    const records = compare({ securityGroups: [web, db] }, { securityGroups: [other, web] }, byName);
    assert.deepEqual(
      records.map((r) => [r.path, r.type]),
      [
        ['securityGroups[0]', 'resource_extra'],
        ['securityGroups[1]', 'resource_missing'],
      ],
    );
  });

  it('matches items by their identity semantically: "8080" and 8080 are one identity', () => {
    const rules: DriftRules = { unordered: { ports: 'port' } };
    const records = compare(
      {
        ports: [
          { port: 8080, proto: 'tcp' },
          { port: 22, proto: 'tcp' },
        ],
      },
      {
        ports: [
          { port: '22', proto: 'tcp' },
          { port: '8080', proto: 'udp' },
        ],
      },
      rules,
    );
    assert.deepEqual(
      records.map((r) => r.path),
      ['ports[0].proto'],
    );
  });

  describe('with no identity (matched by whole value)', () => {
    const rules: DriftRules = { unordered: { tags: null, cidrs: null } };
    it('finds nothing for a reordered list of scalars', () => {
      assert.deepEqual(compare({ tags: ['a', 'b', 'c'] }, { tags: ['c', 'a', 'b'] }, rules), []);
    });
    it('finds nothing for a reordered list holding semantically equal values', () => {
      assert.deepEqual(
        compare(
          { cidrs: ['2001:db8::/32', '10.0.0.0/8'] },
          { cidrs: ['10.0.0.0/8', '2001:0db8:0000::/32'] },
          rules,
        ),
        [],
      );
    });
    it('names a changed item as one missing and one extra', () => {
      assert.deepEqual(
        compare({ tags: ['a', 'b'] }, { tags: ['x', 'a'] }, rules).map((r) => [r.path, r.type]),
        [
          ['tags[0]', 'resource_extra'],
          ['tags[1]', 'resource_missing'],
        ],
      );
    });
    it('counts duplicates: one copy more is one extra item', () => {
      assert.deepEqual(
        compare({ tags: ['a', 'b'] }, { tags: ['b', 'a', 'a'] }, rules).map((r) => [r.path, r.type]),
        [['tags[2]', 'resource_extra']],
      );
    });
    it('pairs each item with an equal one even when equality is not transitive', () => {
      // 1.1 equals both "1.1" and "1.10", which differ from each other; a first-fit pairing would leave one over.
      const list = [1.1, '1.1', '1.10'];
      assert.deepEqual(compare({ tags: list }, { tags: ['1.10', 1.1, '1.1'] }, rules), []);
    });
    it('finds nothing for reordered objects whose own unordered lists are reordered', () => {
      const nested: DriftRules = { unordered: { groups: null, 'groups[].members': null } };
      assert.deepEqual(
        compare(
          { groups: [{ members: ['a', 'b'] }, { members: ['c'] }] },
          { groups: [{ members: ['c'] }, { members: ['b', 'a'] }] },
          nested,
        ),
        [],
      );
    });
  });

  it('compares a list ordered when no unordered rule names it', () => {
    assert.equal(compare({ tags: ['a', 'b'] }, { tags: ['b', 'a'] }).length, 2);
  });
});
