// Bucket names at the S3 server: derived from tenant, namespace and name, DNS-safe and stable; long ones keep
// a readable head and a hash; adopted names are judged by S3's rules.
import assert from 'node:assert/strict';
import { bucketNameFor, bucketNameProblem, defaultSecretName } from '../../../controllers/bucket/naming.ts';

describe('bucket: names at the S3 server', () => {
  it('names a tenant namespace bucket oc-<tenant>-<name>, and another namespace in full', () => {
    assert.equal(bucketNameFor('acme', 'tenant-acme', 'logs'), 'oc-acme-logs');
    assert.equal(bucketNameFor('team.x', 'team.x', 'Data_Set'), 'oc-team-x-team-x-data-set');
  });

  it('gives every long name a valid bucket name of at most 63 characters, stable and distinct', () => {
    const long = 'a'.repeat(80);
    const one = bucketNameFor('acme', 'tenant-acme', long);
    assert.equal(one, bucketNameFor('acme', 'tenant-acme', long), 'the same object gets the same name');
    assert.ok(one.length <= 63);
    assert.equal(bucketNameProblem(one), undefined);
    assert.match(one, /^oc-acme-a+-[0-9a-f]{10}$/);
    assert.notEqual(one, bucketNameFor('acme', 'tenant-acme', `${long}b`));
    assert.notEqual(
      bucketNameFor('acme', 'tenant-acme', `${'x'.repeat(70)}-1`),
      bucketNameFor('acme', 'tenant-acme', `${'x'.repeat(70)}-2`),
    );
    for (const name of ['a', 'a.b', 'x'.repeat(253), 'a--b', 'trailing-']) {
      const made = bucketNameFor('t', 'tenant-t', name);
      assert.equal(bucketNameProblem(made), undefined, `${name} -> ${made}`);
    }
  });

  it('refuses adopted names S3 does not take, naming what is accepted', () => {
    assert.equal(bucketNameProblem('my-bucket.logs'), undefined);
    for (const bad of [
      'ab',
      'a'.repeat(64),
      'Upper',
      'under_score',
      '-lead',
      'a..b',
      'a.-b',
      '192.168.1.1',
      'xn--abc',
      'x-s3alias',
    ]) {
      assert.match(bucketNameProblem(bad) ?? '', /3 to 63 characters of lower-case letters/, bad);
    }
  });

  it('delivers credentials in <name>-s3-credentials by default', () => {
    assert.equal(defaultSecretName('logs'), 'logs-s3-credentials');
  });
});
