// The tenant's bucket credentials against the real stack: rotation by spec.credentials.rotateAt gives a new key
// pair in the Secret and the old pair is refused by the S3 server; a Secret deleted by someone is delivered
// again with a new secret (the one that was in it stops working); ReadOnly access reads but cannot write; and
// a bucket past its object quota shows QuotaExceeded with its usage and its keys can only read until it is
// back within the quota.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { BucketStack, condition, isReady, s3Outcome, text } from './harness.ts';

describe('integration: Bucket credentials on the S3 server', function () {
  this.timeout(120_000);
  const stack = new BucketStack(['bcred']);
  const ns = () => stack.namespaces[0]!;

  before(() => stack.start());
  after(() => stack.close());

  it('rotates the key pair when spec.credentials.rotateAt changes; the old pair is refused, the new one works', async () => {
    await stack.create(ns(), 'rot', { credentials: { secretName: 'rot-keys' } });
    const made = await stack.wait(ns(), 'rot', 'Ready', isReady);
    const bucket = made.status!.bucketName!;
    const before = await stack.credentials(ns(), 'rot-keys');
    await stack.clientOf(before).putObject(bucket, 'x.txt', Buffer.from('before rotation'));

    await stack.patch(ns(), 'rot', {
      spec: { credentials: { secretName: 'rot-keys', rotateAt: '2026-12-03T08:00:00Z' } },
    });
    const rotated = await stack.wait(
      ns(),
      'rot',
      'rotated and Ready',
      (b) => isReady(b) && b.status?.rotatedAt !== made.status?.rotatedAt,
    );
    const after = await stack.credentials(ns(), 'rot-keys');
    assert.notEqual(after.accessKey, before.accessKey);
    assert.notEqual(after.secretKey, before.secretKey);
    assert.equal(await text(await stack.clientOf(after).getObject(bucket, 'x.txt')), 'before rotation');
    await eventuallyOutcome(() => stack.clientOf(before).getObject(bucket, 'x.txt'), 'InvalidAccessKeyId');
    assert.ok(
      !(await stack.admin.listAccounts()).some((a) => a.accessKey === before.accessKey),
      'old account removed',
    );
    const events = await stack.events(ns(), rotated.metadata.uid!);
    assert.ok(events.some((e) => e.reason === 'CredentialsDelivered' && e.note.includes('Secret rot-keys')));
  });

  it('delivers a deleted Secret again with a new secret; the copy that was in it stops working', async () => {
    const b = (await stack.read(ns(), 'rot'))!;
    const bucket = b.status!.bucketName!;
    const lost = await stack.credentials(ns(), 'rot-keys');
    await stack.kc.makeApiClient(k8s.CoreV1Api).deleteNamespacedSecret({ name: 'rot-keys', namespace: ns() });
    const back = await eventuallyCredentials('rot-keys', (c) => c.secretKey !== lost.secretKey);
    assert.equal(back.accessKey, lost.accessKey, 'the same account, re-keyed');
    assert.equal(await text(await stack.clientOf(back).getObject(bucket, 'x.txt')), 'before rotation');
    assert.equal(
      await s3Outcome(() => stack.clientOf(lost).getObject(bucket, 'x.txt')),
      'SignatureDoesNotMatch',
    );
    await stack.wait(ns(), 'rot', 'Ready', isReady);
  });

  it('gives ReadOnly credentials reads and no writes, and ReadWrite back when the spec says so', async () => {
    await stack.create(ns(), 'ro', { access: 'ReadOnly' });
    const b = await stack.wait(ns(), 'ro', 'Ready', isReady);
    const bucket = b.status!.bucketName!;
    await stack.operator.putObject(bucket, 'published.txt', Buffer.from('read me'));
    const tenant = stack.clientOf(await stack.credentials(ns(), 'ro-s3-credentials'));
    assert.equal(await text(await tenant.getObject(bucket, 'published.txt')), 'read me');
    assert.equal(
      await s3Outcome(() => tenant.putObject(bucket, 'mine.txt', Buffer.from('x'))),
      'AccessDenied',
    );
    assert.equal(await s3Outcome(() => tenant.removeObject(bucket, 'published.txt')), 'AccessDenied');

    await stack.patch(ns(), 'ro', { spec: { access: 'ReadWrite' } });
    await eventuallyOutcome(() => tenant.putObject(bucket, 'mine.txt', Buffer.from('x')), 'resolved');
  });

  it('holds a bucket past its object quota as QuotaExceeded with its usage, read-only until back within it', async () => {
    await stack.create(ns(), 'small', { quota: { maxObjects: 2 }, versioning: 'Suspended' });
    const b = await stack.wait(ns(), 'small', 'Ready', isReady);
    const bucket = b.status!.bucketName!;
    const tenant = stack.clientOf(await stack.credentials(ns(), 'small-s3-credentials'));
    for (const k of ['1', '2', '3']) await tenant.putObject(bucket, `${k}.txt`, Buffer.from(k));
    const over = await stack.wait(
      ns(),
      'small',
      'QuotaExceeded',
      (o) => condition(o, 'WithinQuota')?.reason === 'QuotaExceeded',
    );
    assert.match(
      condition(over, 'WithinQuota')!.message,
      /^3 of 2 objects: the tenant's credentials can only read/,
    );
    // An overwrite (versioning Suspended keeps one version a key), so the count stays while the policy changes.
    await eventuallyOutcome(() => tenant.putObject(bucket, '3.txt', Buffer.from('3')), 'AccessDenied');
    assert.equal(await text(await tenant.getObject(bucket, '1.txt')), '1');
    const shown = await stack.wait(ns(), 'small', 'usage shown', (o) => o.status?.usage?.objects === 3);
    assert.equal(shown.status?.usage?.bytes, 3);

    await stack.operator.removeObject(bucket, '3.txt');
    await stack.wait(
      ns(),
      'small',
      'within quota again',
      (o) => condition(o, 'WithinQuota')?.reason === 'WithinQuota',
    );
    await eventuallyOutcome(() => tenant.putObject(bucket, '3.txt', Buffer.from('3')), 'resolved');
  });

  async function eventuallyCredentials(
    name: string,
    test: (c: Awaited<ReturnType<BucketStack['credentials']>>) => boolean,
  ) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const c = await stack.credentials(ns(), name).catch(() => undefined);
      if (c && test(c)) return c;
      if (Date.now() > deadline) assert.fail(`Secret ${name} not delivered again`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async function eventuallyOutcome(call: () => Promise<unknown>, want: string) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const got = await s3Outcome(call);
      if (got === want) return;
      if (Date.now() > deadline) assert.fail(`expected ${want}, the server still answers ${got}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
});
