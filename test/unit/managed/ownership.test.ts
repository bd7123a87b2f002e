// Whose an outside resource is: a tenant adopts only what no other tenant's object created or adopted.
import assert from 'node:assert/strict';
import { TerminalError } from '../../../operator/action.ts';
import { adoptionRefusedByOwner } from '../../../controllers/managed/ownership.ts';

describe('unit: adoption refused by the owning tenant', () => {
  it('lets a tenant adopt what nobody recorded, or only its own namespace recorded', () => {
    assert.equal(adoptionRefusedByOwner('instance', 'i-1', 'acme', []), undefined);
    assert.equal(
      adoptionRefusedByOwner('instance', 'i-1', 'acme', ['tenant-acme', 'tenant-acme']),
      undefined,
    );
  });

  it("refuses what another tenant's namespace recorded, terminally, without naming that tenant", () => {
    const refusal = adoptionRefusedByOwner('volume', 'vol-9', 'acme', ['tenant-acme', 'tenant-globex']);
    assert.ok(refusal instanceof TerminalError);
    assert.equal(refusal.reason, 'OwnedByAnotherTenant');
    assert.match(
      refusal.message,
      /^volume vol-9 belongs to another tenant and cannot be adopted here; fix the omnicloud\.io\/external-name annotation/,
    );
    assert.ok(!refusal.message.includes('globex'), refusal.message);
  });

  it('judges tenants, not namespace spellings: a namespace outside the tenant- prefix is its own tenant', () => {
    assert.ok(adoptionRefusedByOwner('network', 'net-1', 'acme', ['acme']) === undefined);
    assert.ok(adoptionRefusedByOwner('network', 'net-1', 'acme', ['tenant-acme-2']));
  });
});
