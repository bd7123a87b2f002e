// Buckets against the real stack: the Bucket controller (in this process, on the real API server, infra_db and
// the S3 server versitygw) makes the bucket with the versioning asked for, delivers the tenant's credentials
// in a Secret that works for real, toggles versioning, shows the server's NotImplemented answer to lifecycle
// rules as LifecycleUnsupported while the rest works, and records each step in the outbox.
import assert from 'node:assert/strict';
import { BucketStack, condition, isReady, s3Outcome, text } from './harness.ts';

describe('integration: Bucket lifecycle on the S3 server', function () {
  this.timeout(120_000);
  const stack = new BucketStack(['bkt']);
  const ns = () => stack.namespaces[0]!;

  before(() => stack.start());
  after(() => stack.close());

  const outbox = async (uid: string) =>
    (
      await stack.pool.query<{ to: string }>(
        `SELECT event->'data'->>'to' AS to FROM outbox WHERE key = $1 AND topic = 'omnicloud.bucket.events' ORDER BY seq`,
        [uid],
      )
    ).rows.map((r) => r.to);

  it('makes the bucket with versioning Enabled and delivers credentials that put and get objects', async () => {
    await stack.create(ns(), 'data', { versioning: 'Enabled' });
    const b = await stack.wait(ns(), 'data', 'Ready', isReady);
    const bucket = b.status!.bucketName!;
    assert.match(bucket, /^oc-bkt-[0-9a-f]{8}-data$/);
    assert.equal(b.status?.secretName, 'data-s3-credentials');
    assert.match(condition(b, 'Ready')!.message, new RegExp(`bucket ${bucket} with versioning Enabled`));
    assert.deepEqual(await stack.operator.getBucketVersioning(bucket), { Status: 'Enabled' });

    const creds = await stack.credentials(ns(), 'data-s3-credentials');
    assert.equal(creds.bucket, bucket);
    assert.equal(creds.endpoint, stack.s3.endpoint);
    assert.match(creds.accessKey, /^[A-Z0-9]{20}$/);
    const tenant = stack.clientOf(creds);
    await tenant.putObject(bucket, 'hello.txt', Buffer.from('hello from the tenant'));
    assert.equal(await text(await tenant.getObject(bucket, 'hello.txt')), 'hello from the tenant');
    assert.equal(
      await s3Outcome(() => tenant.setBucketVersioning(bucket, { Status: 'Suspended' })),
      'AccessDenied',
    );
    assert.deepEqual(await outbox(b.metadata.uid!), [
      'Pending',
      'Creating',
      'Available',
      'Rotating',
      'Available',
    ]);
  });

  it('suspends and re-enables versioning when the spec says so', async () => {
    const bucket = (await stack.read(ns(), 'data'))!.status!.bucketName!;
    await stack.patch(ns(), 'data', { spec: { versioning: 'Suspended' } });
    await eventuallyVersioning(bucket, 'Suspended');
    await stack.patch(ns(), 'data', { spec: { versioning: 'Enabled' } });
    await eventuallyVersioning(bucket, 'Enabled');
    const b = await stack.wait(
      ns(),
      'data',
      'Ready and in sync',
      (o) => isReady(o) && condition(o, 'Drifted')?.status === 'False',
    );
    assert.equal(b.status?.drift?.total, 0);
  });

  it('shows lifecycle rules the server does not implement as LifecycleUnsupported, and stays Ready', async () => {
    await stack.patch(ns(), 'data', {
      spec: { lifecycle: { expireCurrentAfterDays: 30, expireNoncurrentAfterDays: 7 } },
    });
    const b = await stack.wait(
      ns(),
      'data',
      'LifecycleApplied False',
      (o) => condition(o, 'LifecycleApplied')?.status === 'False',
    );
    const lc = condition(b, 'LifecycleApplied')!;
    assert.equal(lc.reason, 'LifecycleUnsupported');
    assert.match(lc.message, /NotImplemented/);
    assert.match(lc.message, /objects are NOT expired/);
    await stack.wait(ns(), 'data', 'still Ready', isReady);
  });

  async function eventuallyVersioning(bucket: string, want: string) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const v = await stack.operator.getBucketVersioning(bucket);
      if (v.Status === want) return;
      if (Date.now() > deadline) assert.fail(`versioning of ${bucket} is ${v.Status}, not ${want}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
});
