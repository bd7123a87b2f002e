// Where values live under the KV mount, and which paths an object may adopt by external name.
import assert from 'node:assert/strict';
import { adoptionPathProblem, secretPath } from '../../../controllers/secret/path.ts';

describe('unit: ManagedSecret paths', () => {
  it('keeps each tenant in its own tree', () => {
    assert.equal(secretPath('acme', 'tenant-acme', 'db'), 'tenants/acme/tenant-acme/db');
  });

  it('adopts paths outside the tenants tree and in its own tenant tree', () => {
    assert.equal(adoptionPathProblem('apps/billing/db-password', 'acme'), undefined);
    assert.equal(adoptionPathProblem('tenants/acme/tenant-acme/old', 'acme'), undefined);
  });

  it("refuses another tenant's tree without saying what is there", () => {
    assert.match(adoptionPathProblem('tenants/globex/tenant-globex/db', 'acme')!, /another tenant's secret/);
  });

  it('refuses what is not a plain path: steps, empty parts, URL syntax, spaces, too deep', () => {
    for (const bad of [
      'a/../b',
      './a',
      'a//b',
      '/a',
      'a/',
      'a?b',
      'a#b',
      'a%2fb',
      'a b',
      'a/b/c/d/e/f/g/h/i',
      'x'.repeat(129),
    ])
      assert.match(adoptionPathProblem(bad, 'acme') ?? '', /is not a secret path/, bad);
  });
});
