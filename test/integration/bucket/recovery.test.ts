// Buckets that meet trouble, against the real stack: an S3 server that does not answer shows S3Unavailable in
// Ready and Degraded, also while it is being deleted (the finalizer stays: whether the server has the bucket is
// not known); a rotation cut off after its account was made and before the Secret was written (a crash, as the
// row records it) resumes with the same access key re-keyed, and the Secret that follows works; and the API
// server's own CEL rules refuse a quota with no limit and a changed Secret name, for clusters that run
// without the webhook.
import assert from 'node:assert/strict';
import { credentialsDue } from '../../../controllers/bucket/desired.ts';
import { newAccessKey, newSecretKey } from '../../../controllers/bucket/credentials.ts';
import { freePort } from '../../support/operator.ts';
import { BucketStack, condition, isReady, stackS3, text } from './harness.ts';

describe('integration: Bucket recovery and refusals', function () {
  this.timeout(120_000);

  describe('with an S3 server that does not answer', () => {
    let stack: BucketStack;
    before(async () => {
      stack = new BucketStack(['bdown'], { ...stackS3(), endpoint: `http://127.0.0.1:${await freePort()}` });
      await stack.start();
    });
    after(async () => {
      // The operator cannot know whether a server it cannot reach has the bucket, so it keeps the finalizer;
      // the test lets the object go by hand (and drops the bucket in case another operator made it).
      const ns = stack.namespaces[0]!;
      const b = await stack.read(ns, 'away');
      await stack.patch(ns, 'away', { metadata: { finalizers: null } }).catch(() => undefined);
      if (b) {
        await stack.pool.query('DELETE FROM buckets WHERE uid = $1', [b.metadata.uid]);
        if (b.status?.bucketName) await stack.dropBucket(b.status.bucketName);
      }
      await stack.close();
    });

    it('shows S3Unavailable with the connection error in Ready and Degraded, and keeps the finalizer when deleted', async () => {
      const ns = stack.namespaces[0]!;
      await stack.create(ns, 'away');
      const b = await stack.wait(
        ns,
        'away',
        'S3Unavailable',
        (o) => condition(o, 'Ready')?.reason === 'S3Unavailable',
      );
      assert.match(
        condition(b, 'Ready')!.message,
        /^the S3 server is unavailable: .*ECONNREFUSED.*; retrying$/,
      );
      assert.equal(condition(b, 'Degraded')?.reason, 'S3Unavailable');
      await stack.remove(ns, 'away');
      const held = await stack.wait(
        ns,
        'away',
        'still S3Unavailable once deleted',
        (o) => !!o.metadata.deletionTimestamp && condition(o, 'Ready')?.reason === 'S3Unavailable',
      );
      assert.deepEqual(held.metadata.finalizers, ['omnicloud.io/bucket-cleanup'], 'not let go while unknown');
    });
  });

  describe('with the stack', () => {
    const stack = new BucketStack(['brec']);
    const ns = () => stack.namespaces[0]!;
    before(() => stack.start());
    after(() => stack.close());

    it('resumes a rotation cut off between making the account and writing the Secret', async () => {
      await stack.create(ns(), 'cut');
      const made = await stack.wait(ns(), 'cut', 'Ready', isReady);
      const bucket = made.status!.bucketName!;
      const before = await stack.credentials(ns(), 'cut-s3-credentials');
      // What a crash leaves: the next key recorded (Rotating), its account made with a secret nobody kept.
      const pending = newAccessKey();
      await stack.admin.createAccount(pending, newSecretKey(), 'user');
      await stack.pool.query(
        "UPDATE buckets SET phase = 'Rotating', pending_access_key = $2, rotate_at = 'crash' WHERE uid = $1",
        [made.metadata.uid, pending],
      );
      await stack.patch(ns(), 'cut', { spec: { credentials: { rotateAt: 'crash' } } });
      const after = await eventuallyAccessKey('cut-s3-credentials', pending);
      assert.notEqual(after.accessKey, before.accessKey);
      const tenant = stack.clientOf(after);
      await tenant.putObject(bucket, 'resumed.txt', Buffer.from('ok'));
      assert.equal(await text(await tenant.getObject(bucket, 'resumed.txt')), 'ok');
      await stack.wait(ns(), 'cut', 'Ready after the resumed rotation', isReady);
      const { rows } = await stack.pool.query('SELECT * FROM buckets WHERE uid = $1', [made.metadata.uid]);
      assert.equal(rows[0].access_key, pending);
      assert.equal(rows[0].pending_access_key, null);
      assert.equal(
        credentialsDue(rows[0], { credentials: { rotateAt: 'crash' } } as never, 'cut'),
        undefined,
      );
      const accounts = (await stack.admin.listAccounts()).map((a) => a.accessKey);
      assert.ok(accounts.includes(pending));
      assert.ok(!accounts.includes(before.accessKey), 'the replaced account is removed');
    });

    it('is refused by the API server for a quota with no limit and for a changed Secret name', async () => {
      await assert.rejects(stack.create(ns(), 'noquota', { quota: {} }), /set maxObjects, maxBytes or both/);
      await stack.create(ns(), 'named', { credentials: { secretName: 'first' } });
      await assert.rejects(
        stack.patch(ns(), 'named', { spec: { credentials: { secretName: 'second' } } }),
        /spec\.credentials\.secretName is immutable \(was first\)/,
      );
    });

    async function eventuallyAccessKey(secret: string, key: string) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const c = await stack.credentials(ns(), secret).catch(() => undefined);
        if (c?.accessKey === key) return c;
        if (Date.now() > deadline) assert.fail(`Secret ${secret} does not hold ${key}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  });
});
