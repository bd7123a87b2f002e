// The stack's S3 server (versitygw) through the `minio` client, with the operator's keys as the stack hands
// them out: buckets with versioning, objects and their versions, bucket tagging (and minio 8.0.7's misread of
// the 204 it is answered with, tolerated in that case only), lifecycle rules (not implemented by versitygw's
// posix backend), and what the operator's account may not touch: another account's bucket and the admin API.
import assert from 'node:assert/strict';
import * as Minio from 'minio';
import { newS3Keys, type S3Keys } from '../../hack/stack/credentials.ts';
import {
  createS3Account,
  deleteS3Account,
  s3Endpoint,
  versitygwBinary,
} from '../../hack/stack/s3-accounts.ts';
import { execFileAsync } from '../../hack/stack/process.ts';
import { uniqueName } from '../support/kube.ts';
import {
  isNoContentMisread,
  removeBucketWithVersions,
  s3Client,
  s3ClientOptions,
  setBucketTags,
} from '../support/s3.ts';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

/** The S3 error code a call fails with, or 'resolved' when it does not fail. */
async function failure(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'resolved';
  } catch (err) {
    return err instanceof Minio.S3Error ? (err.code ?? '') : `not an S3Error: ${String(err)}`;
  }
}

const sortTags = (tags: { Key: string; Value: string }[]) =>
  [...tags].sort((a, b) => (a.Key < b.Key ? -1 : 1)).map((t) => `${t.Key}=${t.Value}`);

describe('contract: S3 server (versitygw) through the minio client', function () {
  this.timeout(30_000);
  const operator = s3Client();
  const bucket = uniqueName('ct-op');
  const otherKeys: S3Keys = newS3Keys();
  const other = s3Client(otherKeys);
  const otherBucket = uniqueName('ct-other');

  before(async () => {
    await operator.makeBucket(bucket);
    await createS3Account(otherKeys, 'userplus');
    await other.makeBucket(otherBucket);
    await other.putObject(otherBucket, 'private.txt', Buffer.from('not the operator’s'));
  });

  after(async () => {
    await removeBucketWithVersions(operator, bucket).catch(() => undefined);
    await removeBucketWithVersions(other, otherBucket).catch(() => undefined);
    await deleteS3Account(otherKeys.accessKey).catch(() => undefined);
  });

  it('keeps every version of an object once versioning is on, and a delete leaves a marker', async () => {
    await operator.setBucketVersioning(bucket, { Status: 'Enabled' });
    assert.deepEqual(await operator.getBucketVersioning(bucket), { Status: 'Enabled' });

    const first = await operator.putObject(bucket, 'config.json', Buffer.from('{"v":1}'));
    const second = await operator.putObject(bucket, 'config.json', Buffer.from('{"v":2}'));
    assert.ok(first.versionId && second.versionId && first.versionId !== second.versionId);
    assert.equal(await text(await operator.getObject(bucket, 'config.json')), '{"v":2}');
    assert.equal(
      await text(await operator.getObject(bucket, 'config.json', { versionId: first.versionId })),
      '{"v":1}',
    );

    await operator.removeObject(bucket, 'config.json');
    assert.equal(await failure(() => operator.getObject(bucket, 'config.json')), 'NoSuchKey');
    const listed: { versionId?: string | null; isDeleteMarker?: boolean }[] = [];
    for await (const o of operator.listObjects(bucket, 'config.json', true, { IncludeVersion: true })) {
      listed.push(o);
    }
    assert.equal(listed.filter((o) => o.isDeleteMarker).length, 1, 'one delete marker');
    assert.deepEqual(
      listed
        .filter((o) => !o.isDeleteMarker)
        .map((o) => o.versionId)
        .sort(),
      [first.versionId, second.versionId].sort(),
    );
    assert.equal(
      await text(await operator.getObject(bucket, 'config.json', { versionId: second.versionId })),
      '{"v":2}',
    );
  });

  it('stores bucket tags, though minio 8.0.7 takes the 204 it is answered for an error', async () => {
    const raw = await failure(() => operator.setBucketTagging(bucket, { stage: 'raw' }));
    assert.equal(raw, '', 'minio still misreads the 204 of PutBucketTagging (or the workaround can go)');
    assert.deepEqual(sortTags(await operator.getBucketTagging(bucket)), ['stage=raw']);

    await setBucketTags(s3ClientOptions(), bucket, { tenant: 'acme', 'cost-centre': 'cc-42' });
    assert.deepEqual(sortTags(await operator.getBucketTagging(bucket)), ['cost-centre=cc-42', 'tenant=acme']);
  });

  it('lets every other tagging error surface', async () => {
    const options = s3ClientOptions();
    assert.equal(
      await failure(() => setBucketTags(options, uniqueName('ct-none'), { a: 'b' })),
      'NoSuchBucket',
    );
    assert.equal(await failure(() => setBucketTags(options, otherBucket, { a: 'b' })), 'AccessDenied');
    assert.equal(await failure(() => setBucketTags(options, bucket, { 'bad#key': 'x' })), 'InvalidTag');

    const empty = new Minio.S3Error('');
    empty.code = '';
    assert.equal(isNoContentMisread(empty, 204), true);
    assert.equal(isNoContentMisread(empty, 500), false, 'an empty error on another status is real');
    assert.equal(isNoContentMisread(empty, undefined), false, 'no answer at all is real');
    const denied = new Minio.S3Error('Access Denied.');
    denied.code = 'AccessDenied';
    assert.equal(isNoContentMisread(denied, 204), false);
    assert.equal(isNoContentMisread(new Error(''), 204), false);
  });

  it('refuses bucket lifecycle rules as not implemented (versitygw 1.8.0, posix backend)', async () => {
    const rules = {
      Rule: [{ ID: 'expire-logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } }],
    };
    assert.equal(await failure(() => operator.setBucketLifecycle(bucket, rules)), 'NotImplemented');
    assert.equal(await failure(() => operator.getBucketLifecycle(bucket)), 'NotImplemented');
  });

  it("keeps the operator's key out of another account's bucket, and the other account out of the operator's", async () => {
    assert.deepEqual(
      (await operator.listBuckets()).map((b) => b.name).filter((n) => n === otherBucket),
      [],
      "another account's bucket is not listed",
    );
    assert.equal(await failure(() => operator.getObject(otherBucket, 'private.txt')), 'AccessDenied');
    assert.equal(
      await failure(() => operator.putObject(otherBucket, 'planted.txt', Buffer.from('x'))),
      'AccessDenied',
    );
    assert.equal(await failure(() => operator.removeObject(otherBucket, 'private.txt')), 'AccessDenied');
    assert.equal(await failure(() => operator.getBucketTagging(otherBucket)), 'AccessDenied');
    assert.equal(await failure(() => operator.removeBucket(otherBucket)), 'AccessDenied');
    assert.equal(await text(await other.getObject(otherBucket, 'private.txt')), 'not the operator’s');

    assert.equal(await failure(() => other.getObject(bucket, 'config.json')), 'AccessDenied');
    assert.equal(
      await failure(() => other.putObject(bucket, 'planted.txt', Buffer.from('x'))),
      'AccessDenied',
    );
  });

  it("refuses the operator's key at the admin API (accounts are the root account's to make)", async () => {
    const { accessKey, secretKey } = s3ClientOptions();
    const run = execFileAsync(versitygwBinary, ['admin', '--er', s3Endpoint, 'list-users'], {
      env: { ...process.env, ADMIN_ACCESS_KEY: accessKey, ADMIN_SECRET_KEY: secretKey },
    });
    await assert.rejects(run, (err: { stderr?: string }) => /XAdminAccessDenied/.test(err.stderr ?? ''));
  });
});
