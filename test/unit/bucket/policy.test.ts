// The bucket policy: the operator's account with every action, the tenant's keys with read or read-write
// object actions on this bucket only; an observed policy is read back as the access it gives, and anything
// else (another principal, an extra statement, a condition, a stale key) reads as Changed.
import assert from 'node:assert/strict';
import { bucketPolicy, observedAccess, writeActions } from '../../../controllers/bucket/policy.ts';

const op = 'OPERATORKEY';
const t = 'TENANTKEY';

describe('bucket: the bucket policy', () => {
  it('names the operator with s3:* and the tenant with read or read-write, on this bucket only', () => {
    const rw = bucketPolicy('b1', op, [t], 'ReadWrite');
    assert.equal(rw.Statement.length, 2);
    assert.deepEqual(rw.Statement[0]!.Principal, { AWS: [op] });
    assert.deepEqual(rw.Statement[0]!.Action, ['s3:*']);
    assert.deepEqual(rw.Statement[1]!.Principal, { AWS: [t] });
    assert.deepEqual(rw.Statement[1]!.Resource, ['arn:aws:s3:::b1', 'arn:aws:s3:::b1/*']);
    for (const a of writeActions) assert.ok((rw.Statement[1]!.Action as string[]).includes(a));
    const ro = bucketPolicy('b1', op, [t], 'ReadOnly');
    for (const a of writeActions) assert.ok(!(ro.Statement[1]!.Action as string[]).includes(a), a);
    assert.ok(!(ro.Statement[1]!.Action as string[]).includes('s3:*'));
    assert.equal(
      bucketPolicy('b1', op, [], 'ReadWrite').Statement.length,
      1,
      'no tenant statement without keys',
    );
  });

  it('reads our own policies back as the access they give, whatever the order of lists', () => {
    const rw = bucketPolicy('b1', op, [t], 'ReadWrite');
    assert.equal(observedAccess(JSON.stringify(rw), 'b1', op, [t]), 'ReadWrite');
    assert.equal(
      observedAccess(JSON.stringify(bucketPolicy('b1', op, [t], 'ReadOnly')), 'b1', op, [t]),
      'ReadOnly',
    );
    const shuffled = structuredClone(rw);
    (shuffled.Statement[1]!.Action as string[]).reverse();
    (shuffled.Statement[1]!.Resource as string[]).reverse();
    assert.equal(observedAccess(JSON.stringify(shuffled), 'b1', op, [t]), 'ReadWrite');
    assert.equal(observedAccess(undefined, 'b1', op, [t]), 'None');
    assert.equal(observedAccess('', 'b1', op, [t]), 'None');
  });

  it('reads any other policy as Changed', () => {
    const rw = bucketPolicy('b1', op, [t], 'ReadWrite');
    const everyone = structuredClone(rw);
    everyone.Statement.push({
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::b1/*',
    });
    const stranger = structuredClone(rw);
    stranger.Statement[1]!.Principal = { AWS: [t, 'STRANGER'] };
    const conditioned = structuredClone(rw);
    conditioned.Statement[1]!.Condition = { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } };
    const denied = structuredClone(rw);
    denied.Statement[1]!.Effect = 'Deny';
    const elsewhere = bucketPolicy('b2', op, [t], 'ReadWrite');
    for (const p of [everyone, stranger, conditioned, denied, elsewhere])
      assert.equal(observedAccess(JSON.stringify(p), 'b1', op, [t]), 'Changed');
    assert.equal(
      observedAccess(JSON.stringify(rw), 'b1', op, ['NEWKEY']),
      'Changed',
      'a key no longer delivered',
    );
    assert.equal(observedAccess('{not json', 'b1', op, [t]), 'Changed');
  });
});

describe('bucket: the policy of a bucket with no tenant key', () => {
  it("reads no policy and the operator's statement alone as None, anything more as Changed", () => {
    assert.equal(observedAccess(undefined, 'b1', op, []), 'None');
    assert.equal(
      observedAccess(JSON.stringify(bucketPolicy('b1', op, [], 'ReadWrite')), 'b1', op, []),
      'None',
    );
    assert.equal(
      observedAccess(JSON.stringify(bucketPolicy('b1', op, [t], 'ReadWrite')), 'b1', op, []),
      'Changed',
    );
  });
});
