// The comparison's record types, full paths, null against absence, whole resources and the output order.
import assert from 'node:assert/strict';
import { compare, type DriftRecord } from '../../../../controllers/managed/drift/index.ts';

const functional = 'functional' as const;

describe('unit: drift comparison', () => {
  describe('record types', () => {
    it('names a changed value with both sides', () => {
      assert.deepEqual(compare({ powerState: 'Running' }, { powerState: 'Stopped' }), [
        {
          path: 'powerState',
          type: 'value_changed',
          severity: functional,
          desired: 'Running',
          actual: 'Stopped',
        },
      ]);
    });
    it('names a key only the outside system has as key_added, with its value', () => {
      assert.deepEqual(compare({}, { tier: 'gold' }), [
        { path: 'tier', type: 'key_added', severity: functional, actual: 'gold' },
      ]);
    });
    it('names a key only the spec has as key_removed, with its value', () => {
      assert.deepEqual(compare({ tier: 'gold' }, {}), [
        { path: 'tier', type: 'key_removed', severity: functional, desired: 'gold' },
      ]);
    });
    it('names a change of shape as type_mismatch and does not look inside', () => {
      assert.deepEqual(compare({ disk: { size: 10, type: 'ssd' } }, { disk: 'ssd' }), [
        {
          path: 'disk',
          type: 'type_mismatch',
          severity: functional,
          desired: { size: 10, type: 'ssd' },
          actual: 'ssd',
        },
      ]);
    });
    it('names a whole missing resource once, at $', () => {
      assert.deepEqual(compare({ a: 1, b: { c: 2 } }, undefined), [
        { path: '$', type: 'resource_missing', severity: functional },
      ]);
    });
    it('names a resource the spec does not declare once, at $', () => {
      assert.deepEqual(compare(undefined, { a: 1 }), [
        { path: '$', type: 'resource_extra', severity: functional },
      ]);
    });
    it('finds nothing when neither side exists', () => {
      assert.deepEqual(compare(undefined, undefined), []);
    });
    it('compares two scalars at the root under $', () => {
      assert.deepEqual(compare(1, 2), [
        { path: '$', type: 'value_changed', severity: functional, desired: 1, actual: 2 },
      ]);
    });
  });

  describe('null is a value, not an absence', () => {
    it('{a: null} against {} is key_removed at a', () => {
      assert.deepEqual(compare({ a: null }, {}), [
        { path: 'a', type: 'key_removed', severity: functional, desired: null },
      ]);
    });
    it('{} against {a: null} is key_added at a', () => {
      assert.deepEqual(compare({}, { a: null }), [
        { path: 'a', type: 'key_added', severity: functional, actual: null },
      ]);
    });
    it('{a: null} against {a: 1} is value_changed', () => {
      assert.deepEqual(compare({ a: null }, { a: 1 }), [
        { path: 'a', type: 'value_changed', severity: functional, desired: null, actual: 1 },
      ]);
    });
    it('a key every object inherits (valueOf, constructor) is a key like any other', () => {
      assert.deepEqual(compare({ valueOf: [] }, {}), [
        { path: 'valueOf', type: 'key_removed', severity: functional, desired: [] },
      ]);
      assert.deepEqual(compare({}, { constructor: 'x' }), [
        { path: 'constructor', type: 'key_added', severity: functional, actual: 'x' },
      ]);
    });
    it('a key holding undefined is no key', () => {
      assert.deepEqual(compare({ a: undefined, b: 1 }, { b: 1 }), []);
    });
  });

  describe('paths', () => {
    it('names a field deep inside objects and lists', () => {
      const desired = { network: { subnets: [{ cidr: '10.0.0.0/24' }, { cidr: '10.0.1.0/24' }] } };
      const actual = { network: { subnets: [{ cidr: '10.0.0.0/24' }, { cidr: '10.0.9.0/24' }] } };
      assert.deepEqual(
        compare(desired, actual).map((r) => r.path),
        ['network.subnets[1].cidr'],
      );
    });
    it('names securityGroups[0].ingress[2].ports in an ordered list', () => {
      const rule = (ports: string) => ({ protocol: 'tcp', ports });
      const desired = { securityGroups: [{ ingress: [rule('22'), rule('80'), rule('443')] }] };
      const actual = { securityGroups: [{ ingress: [rule('22'), rule('80'), rule('8443')] }] };
      assert.deepEqual(
        compare(desired, actual).map((r) => r.path),
        ['securityGroups[0].ingress[2].ports'],
      );
    });
    it('puts keys that are not plain names in brackets', () => {
      const records = compare(
        { labels: { 'app.kubernetes.io/name': 'web' } },
        { labels: { 'app.kubernetes.io/name': 'db' } },
      );
      assert.equal(records[0]!.path, 'labels[app.kubernetes.io/name]');
    });
    it('quotes keys that brackets alone would not keep apart', () => {
      const records = compare({ labels: { 'a b': 1 } }, { labels: { 'a b': 2 } });
      assert.equal(records[0]!.path, 'labels["a b"]');
    });
  });

  describe('ordered lists', () => {
    it('compares by index: a reordered ordered list is drift at each moved index', () => {
      assert.deepEqual(
        compare({ dns: ['a', 'b'] }, { dns: ['b', 'a'] }).map((r) => [r.path, r.type]),
        [
          ['dns[0]', 'value_changed'],
          ['dns[1]', 'value_changed'],
        ],
      );
    });
    it('names items past the spec as key_added and items short of it as key_removed', () => {
      assert.deepEqual(compare({ dns: ['a'] }, { dns: ['a', 'b'] }), [
        { path: 'dns[1]', type: 'key_added', severity: functional, actual: 'b' },
      ]);
      assert.deepEqual(compare({ dns: ['a', 'b'] }, { dns: ['a'] }), [
        { path: 'dns[1]', type: 'key_removed', severity: functional, desired: 'b' },
      ]);
    });
  });

  describe('output order', () => {
    it('lists records by path, indexes by number, then by type', () => {
      const desired = { b: 1, a: { list: Array.from({ length: 12 }, (_, i) => i) }, c: 1 };
      const actual = { b: 2, a: { list: Array.from({ length: 12 }, (_, i) => i + 100) }, d: 1 };
      const paths = compare(desired, actual).map((r: DriftRecord) => r.path);
      assert.deepEqual(paths, [...Array.from({ length: 12 }, (_, i) => `a.list[${i}]`), 'b', 'c', 'd']);
    });
    it('gives the same records whatever order the keys came in', () => {
      const one = compare({ x: 1, y: { p: 1, q: 2 } }, { y: { q: 3, p: 1 }, x: 2, z: 0 });
      const two = compare({ y: { q: 2, p: 1 }, x: 1 }, { z: 0, x: 2, y: { p: 1, q: 3 } });
      assert.deepEqual(one, two);
    });
  });
});
