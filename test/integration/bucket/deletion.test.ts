// Deleting Buckets against the real stack: a bucket that holds objects is not deleted (Ready=False,
// BucketNotEmpty naming the count) until spec.forceDelete, which removes it with every version; an empty one
// goes at once; deletionPolicy Orphan leaves the bucket and its objects at the server and removes the
// tenant's account; an orphaned bucket is adopted again by the external-name annotation with what it holds;
// ObserveOnly observes a bucket made outside OmniCloud and changes nothing, not even when deleted.
import assert from 'node:assert/strict';
import { BucketStack, condition, isReady, s3Outcome, text } from './harness.ts';

describe('integration: Bucket deletion, Orphan and adoption on the S3 server', function () {
  this.timeout(120_000);
  const stack = new BucketStack(['bdel']);
  const ns = () => stack.namespaces[0]!;
  const orphans: string[] = [];

  before(() => stack.start());
  after(async () => {
    await stack.close();
    for (const b of orphans) await stack.dropBucket(b);
  });

  it('refuses to delete a bucket that holds objects, naming the count, and deletes it with forceDelete', async () => {
    await stack.create(ns(), 'full', { versioning: 'Enabled' });
    const b = await stack.wait(ns(), 'full', 'Ready', isReady);
    const bucket = b.status!.bucketName!;
    const tenant = stack.clientOf(await stack.credentials(ns(), 'full-s3-credentials'));
    await tenant.putObject(bucket, 'a.txt', Buffer.from('1'));
    await tenant.putObject(bucket, 'a.txt', Buffer.from('2'));
    await tenant.putObject(bucket, 'b.txt', Buffer.from('3'));

    await stack.remove(ns(), 'full');
    const held = await stack.wait(
      ns(),
      'full',
      'BucketNotEmpty',
      (o) => condition(o, 'Ready')?.reason === 'BucketNotEmpty',
    );
    assert.match(condition(held, 'Ready')!.message, new RegExp(`bucket ${bucket} holds 3 objects`));
    assert.match(condition(held, 'Ready')!.message, /spec\.forceDelete: true/);
    assert.equal(await stack.operator.bucketExists(bucket), true);
    assert.equal(await text(await tenant.getObject(bucket, 'b.txt')), '3');

    await stack.patch(ns(), 'full', { spec: { forceDelete: true } });
    await stack.removeAndWait(ns(), 'full');
    assert.equal(await stack.operator.bucketExists(bucket), false);
    const { rows } = await stack.pool.query('SELECT phase FROM buckets WHERE uid = $1', [b.metadata.uid]);
    assert.equal(rows[0]?.phase, 'Deleted');
  });

  it('deletes an empty bucket and its tenant account at once', async () => {
    await stack.create(ns(), 'empty');
    const b = await stack.wait(ns(), 'empty', 'Ready', isReady);
    const creds = await stack.credentials(ns(), 'empty-s3-credentials');
    await stack.removeAndWait(ns(), 'empty');
    assert.equal(await stack.operator.bucketExists(b.status!.bucketName!), false);
    assert.ok(
      !(await stack.admin.listAccounts()).some((a) => a.accessKey === creds.accessKey),
      'account removed',
    );
  });

  it('leaves the bucket and its objects with deletionPolicy Orphan, and removes the tenant account', async () => {
    await stack.create(ns(), 'keep', { deletionPolicy: 'Orphan' });
    const b = await stack.wait(ns(), 'keep', 'Ready', isReady);
    const bucket = b.status!.bucketName!;
    orphans.push(bucket);
    const creds = await stack.credentials(ns(), 'keep-s3-credentials');
    await stack.clientOf(creds).putObject(bucket, 'kept.txt', Buffer.from('still here'));
    await stack.removeAndWait(ns(), 'keep');
    assert.equal(await stack.operator.bucketExists(bucket), true);
    assert.equal(await text(await stack.operator.getObject(bucket, 'kept.txt')), 'still here');
    assert.equal(
      await s3Outcome(() => stack.clientOf(creds).getObject(bucket, 'kept.txt')),
      'InvalidAccessKeyId',
    );
    const events = await stack.events(ns(), b.metadata.uid!);
    assert.ok(events.some((e) => e.reason === 'Orphaned' && e.note.includes('deletionPolicy is Orphan')));
  });

  it('adopts the orphaned bucket by its external name, with what it holds and new credentials', async () => {
    const bucket = orphans[0]!;
    await stack.create(ns(), 'again', { versioning: 'Enabled' }, { 'omnicloud.io/external-name': bucket });
    const b = await stack.wait(ns(), 'again', 'Ready', isReady);
    assert.equal(b.status?.bucketName, bucket);
    assert.equal(b.status?.providerId, bucket);
    const tenant = stack.clientOf(await stack.credentials(ns(), 'again-s3-credentials'));
    assert.equal(await text(await tenant.getObject(bucket, 'kept.txt')), 'still here');
    assert.deepEqual(await stack.operator.getBucketVersioning(bucket), { Status: 'Enabled' });
  });

  it('observes an existing bucket under ObserveOnly: Ready, drift only reported, nothing changed or deleted', async () => {
    const bucket = `oc-observed-${Date.now()}`;
    orphans.push(bucket);
    await stack.operator.makeBucket(bucket);
    await stack.operator.setBucketVersioning(bucket, { Status: 'Enabled' });
    await stack.operator.putObject(bucket, 'theirs.txt', Buffer.from('not ours to touch'));
    await stack.create(
      ns(),
      'watch',
      { managementPolicy: 'ObserveOnly', versioning: 'Enabled' },
      { 'omnicloud.io/external-name': bucket },
    );
    const b = await stack.wait(ns(), 'watch', 'Ready', isReady);
    assert.match(condition(b, 'Ready')!.message, /^observing bucket/);
    assert.equal(b.status?.secretName, undefined, 'no credentials are made');
    await stack.operator.setBucketVersioning(bucket, { Status: 'Suspended' });
    const drifted = await stack.wait(
      ns(),
      'watch',
      'Drifted',
      (o) => condition(o, 'Drifted')?.status === 'True',
    );
    assert.ok(drifted.status?.drift?.records.some((r) => r.path === 'versioning' && r.action === 'alert'));
    await new Promise((r) => setTimeout(r, 2_500));
    assert.deepEqual(
      await stack.operator.getBucketVersioning(bucket),
      { Status: 'Suspended' },
      'not put back',
    );
    await stack.removeAndWait(ns(), 'watch');
    assert.equal(await text(await stack.operator.getObject(bucket, 'theirs.txt')), 'not ours to touch');
    assert.equal(
      await s3Outcome(() => stack.operator.getBucketPolicy(bucket)),
      'NoSuchBucketPolicy',
      'no policy set',
    );
  });

  it('refuses to adopt a bucket the server does not have', async () => {
    await stack.create(ns(), 'ghost', {}, { 'omnicloud.io/external-name': 'oc-no-such-bucket-here' });
    const b = await stack.wait(
      ns(),
      'ghost',
      'refused',
      (o) => condition(o, 'Ready')?.reason === 'ExternalResourceNotFound',
    );
    assert.match(condition(b, 'Ready')!.message, /has no bucket oc-no-such-bucket-here to adopt/);
    await stack.removeAndWait(ns(), 'ghost');
  });
});
