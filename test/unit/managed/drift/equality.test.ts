// Semantic equality: the forms outside systems give back for what the spec said are no drift, both ways round;
// what differs is named value_changed or type_mismatch.
import assert from 'node:assert/strict';
import { compare } from '../../../../controllers/managed/drift/index.ts';
import { canonicalAddress, scalarsEqual } from '../../../../controllers/managed/drift/equality.ts';

const same: [string, unknown, unknown][] = [
  ['a port as a string and as a number', '8080', 8080],
  ['"true" and true', 'true', true],
  ['"false" and false', 'false', false],
  ['"TRUE" and true', 'TRUE', true],
  ['"1.0" and 1', '1.0', 1],
  ['"1e3" and 1000', '1e3', 1000],
  ['"0.1" and 0.1', '0.1', 0.1],
  ['"-0" and 0', '-0', 0],
  ['an IPv6 CIDR written short and long', '2001:db8::/32', '2001:0db8:0000::/32'],
  ['an IPv6 address in upper and lower case', '2001:DB8::1', '2001:db8::1'],
  ['an IPv6 address with and without zeros', 'fe80:0:0:0:0:0:0:1', 'fe80::1'],
  ['::/0 written long', '::/0', '0:0:0:0:0:0:0:0/0'],
  ['an IPv4 address and its /32', '10.0.0.1', '10.0.0.1/32'],
  ['an IPv6 address and its /128', '2001:db8::1', '2001:db8::1/128'],
  ['two nulls', null, null],
];

const different: [string, unknown, unknown, 'value_changed' | 'type_mismatch'][] = [
  ['10.0.0.0/8 and 10.0.0.0/16', '10.0.0.0/8', '10.0.0.0/16', 'value_changed'],
  ['2001:db8::/32 and 2001:db8::/48', '2001:db8::/32', '2001:db8::/48', 'value_changed'],
  ['two IPv4 addresses', '10.0.0.1', '10.0.0.2', 'value_changed'],
  ['"8080" and 8081', '8080', 8081, 'value_changed'],
  ['two numbers', 1, 2, 'value_changed'],
  ['"true" and false', 'true', false, 'value_changed'],
  ['two strings differing in case', 'Running', 'running', 'value_changed'],
  ['the strings "5.10" and "5.1" (versions, not numbers)', '5.10', '5.1', 'value_changed'],
  ['null and a number', null, 1, 'value_changed'],
  ['a number and null', 1, null, 'value_changed'],
  ['a word and a number', 'abc', 5, 'type_mismatch'],
  ['a number and a boolean', 1, true, 'type_mismatch'],
  ['"yes" and true', 'yes', true, 'type_mismatch'],
  ['an object and a string', { x: 1 }, 'x', 'type_mismatch'],
  ['a list and an object', [1], { 0: 1 }, 'type_mismatch'],
  ['a list and a string', ['a'], 'a', 'type_mismatch'],
  ['null and an object', null, {}, 'type_mismatch'],
];

describe('unit: drift semantic equality', () => {
  for (const [what, a, b] of same) {
    it(`${what} are equal, both ways round`, () => {
      assert.deepEqual(compare({ a }, { a: b }), []);
      assert.deepEqual(compare({ a: b }, { a }), []);
    });
  }

  for (const [what, a, b, type] of different) {
    it(`${what} differ as ${type}, both ways round`, () => {
      for (const [desired, actual] of [
        [a, b],
        [b, a],
      ]) {
        assert.deepEqual(compare({ a: desired }, { a: actual }), [
          { path: 'a', type, severity: 'functional', desired, actual },
        ]);
      }
    });
  }

  it('does not take address-shaped text that is no address for one', () => {
    assert.equal(canonicalAddress('300.1.1.1'), undefined);
    assert.equal(canonicalAddress('12:30:00'), undefined);
    assert.equal(canonicalAddress('10.0.0.0/33'), undefined);
    assert.equal(scalarsEqual('300.1.1.1', '300.1.1.1'), true);
    assert.equal(scalarsEqual('300.1.1.1', '300.001.1.1'), false);
  });

  it('writes addresses in one canonical form', () => {
    assert.equal(canonicalAddress('2001:0DB8:0000::/32'), '2001:db8::/32');
    assert.equal(canonicalAddress('10.1.0.0/16'), '10.1.0.0/16');
    assert.equal(canonicalAddress('10.1.0.7'), '10.1.0.7/32');
  });
});
