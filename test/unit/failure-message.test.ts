// What failures may say in tenant-visible status: never a backend's address, user, password or DSN.
import assert from 'node:assert/strict';
import { databaseFailure } from '../../controllers/db/unavailable.ts';
import { failureForStatus } from '../../controllers/failure.ts';
import { IpamRefusal } from '../../controllers/network/store.ts';
import { TerminalError } from '../../operator/action.ts';

const secretBits = [
  /127\.0\.0\.1/,
  /15432/,
  /omnicloud-local/,
  /postgres:\/\//,
  /user "omnicloud"/,
  /10\.20\.30\.40/,
];

function pgError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

describe('failure messages for status', () => {
  const raw = [
    pgError('connect ECONNREFUSED 127.0.0.1:15432', 'ECONNREFUSED'),
    pgError('read ECONNRESET 10.20.30.40:5432', 'ECONNRESET'),
    pgError('terminating connection due to administrator command', '57P01'),
    pgError(
      'Connection terminated unexpectedly (postgres://omnicloud:omnicloud-local@127.0.0.1:15432/infra_db)',
    ),
    pgError('timeout exceeded when trying to connect to 127.0.0.1:15432'),
    pgError('password authentication failed for user "omnicloud"', '28P01'),
    Object.assign(
      new Error('HTTP-Code: 500 Body: {"message":"etcdserver: request timed out at 10.20.30.40"}'),
      {
        code: 500,
      },
    ),
    new Error('getaddrinfo ENOTFOUND postgres://omnicloud:omnicloud-local@db'),
  ];

  it('says what kind of failure it was and nothing of the backend', () => {
    for (const err of raw) {
      const text = failureForStatus(err);
      for (const bit of secretBits) assert.doesNotMatch(text, bit, `${err.message} -> ${text}`);
      assert.ok(text.length > 0 && text.length < 120);
    }
    assert.equal(failureForStatus(raw[0]), 'a database cannot be reached (connection refused)');
    assert.equal(failureForStatus(raw[6]), 'the Kubernetes API answered 500');
    assert.equal(databaseFailure(raw[2]), 'server shutting down');
  });

  it("keeps the operator's own messages about the object", () => {
    assert.equal(
      failureForStatus(new TerminalError('spec.memory: expected a quantity')),
      'spec.memory: expected a quantity',
    );
    const refusal = Object.create(IpamRefusal.prototype) as Error;
    refusal.message = 'network is still in use by 2 instances';
    assert.equal(failureForStatus(refusal), 'network is still in use by 2 instances');
  });
});
