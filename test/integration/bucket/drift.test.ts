// Drift of Buckets against the real stack: versioning suspended behind the operator's back (with the
// operator's own S3 key, as a console would) is found, shown as Drifted and put back; a bucket policy opened
// to everyone, or replaced so that it locks the operator's own account out, is a security drift that waits for
// approval of its plan, then is put back (the latter through the IAM-admin keys); with driftPolicy
// alert nothing is put back; a bucket deleted at the server is made again and the delivered keys still work.
import assert from 'node:assert/strict';
import { BucketStack, condition, isReady, s3Outcome, text } from './harness.ts';

const inSync = (b: { status?: { conditions?: { type: string; status: string }[] } }) =>
  b.status?.conditions?.find((c) => c.type === 'Drifted')?.status === 'False';

describe('integration: Bucket drift on the S3 server', function () {
  this.timeout(120_000);
  const stack = new BucketStack(['bdr']);
  const ns = () => stack.namespaces[0]!;

  before(() => stack.start());
  after(() => stack.close());

  const history = async (uid: string) =>
    (
      await stack.pool.query<{ event: string; path: string | null }>(
        'SELECT event, path FROM drift_history WHERE uid = $1 ORDER BY id',
        [uid],
      )
    ).rows.map((r) => `${r.event}:${r.path ?? ''}`);

  it('finds versioning suspended behind its back, shows it as Drifted and puts it back', async () => {
    await stack.create(ns(), 'logs', { versioning: 'Enabled' });
    const made = await stack.wait(ns(), 'logs', 'Ready and in sync', (b) => isReady(b) && inSync(b));
    const bucket = made.status!.bucketName!;
    await stack.operator.setBucketVersioning(bucket, { Status: 'Suspended' });
    const events = await eventuallyEvent(made.metadata.uid!, 'Drifted');
    assert.match(events.note, /versioning \(functional, value_changed, revert\)/);
    // The Drifted event comes before the status of the same reconcile: wait for the plan's end, then the status.
    await eventuallyEvent(made.metadata.uid!, 'Remediated');
    await stack.wait(ns(), 'logs', 'in sync again', (b) => inSync(b) && isReady(b));
    assert.deepEqual(await stack.operator.getBucketVersioning(bucket), { Status: 'Enabled' });
    const told = await history(made.metadata.uid!);
    assert.ok(told.includes('detected:versioning'), told.join(', '));
    assert.ok(told.includes('remediated:'), told.join(', '));
  });

  it('holds a policy opened behind its back as security drift until its plan is approved, then puts it back', async () => {
    const b = (await stack.read(ns(), 'logs'))!;
    const bucket = b.status!.bucketName!;
    const open = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: [stack.s3.accessKey] },
          Action: ['s3:*'],
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        },
        { Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
      ],
    };
    await stack.operator.setBucketPolicy(bucket, JSON.stringify(open));
    const waiting = await stack.wait(
      ns(),
      'logs',
      'awaiting approval',
      (o) => condition(o, 'Drifted')?.reason === 'AwaitingApproval',
    );
    assert.equal(waiting.status?.drift?.records[0]?.path, 'access');
    assert.equal(waiting.status?.drift?.records[0]?.severity, 'security');
    assert.equal(waiting.status?.drift?.records[0]?.actual, '"Changed"');
    assert.equal(condition(waiting, 'Ready')?.status, 'False');
    // Nothing is put back before approval: the opened policy is still there.
    assert.match(await stack.operator.getBucketPolicy(bucket), /"\*"/);
    const hash = waiting.status!.drift!.plan!.hash;
    await stack.patch(ns(), 'logs', { metadata: { annotations: { 'omnicloud.io/approve-plan': hash } } });
    await stack.wait(ns(), 'logs', 'in sync after the approved plan', (o) => inSync(o) && isReady(o));
    const policy = await stack.operator.getBucketPolicy(bucket);
    assert.doesNotMatch(policy, /"\*"(?!\])/, 'no statement for everyone');
    const creds = await stack.credentials(ns(), 'logs-s3-credentials');
    assert.match(policy, new RegExp(creds.accessKey));
  });

  it("puts back a policy replaced outside that locks the operator's own account out, once approved", async () => {
    // The same plan as above would be approved by the annotation still there: it goes first.
    await stack.patch(ns(), 'logs', { metadata: { annotations: { 'omnicloud.io/approve-plan': null } } });
    const b = (await stack.read(ns(), 'logs'))!;
    const bucket = b.status!.bucketName!;
    const creds = await stack.credentials(ns(), 'logs-s3-credentials');
    const tenantOnly = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: [creds.accessKey] },
          Action: ['s3:*'],
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        },
      ],
    };
    await stack.operator.setBucketPolicy(bucket, JSON.stringify(tenantOnly));
    assert.equal(await s3Outcome(() => stack.operator.getBucketPolicy(bucket)), 'AccessDenied', 'locked out');
    const waiting = await stack.wait(
      ns(),
      'logs',
      'awaiting approval',
      (o) => o.status?.drift?.plan?.awaitingApproval === true && o.status.drift.records[0]?.path === 'access',
    );
    await stack.patch(ns(), 'logs', {
      metadata: { annotations: { 'omnicloud.io/approve-plan': waiting.status!.drift!.plan!.hash } },
    });
    await stack.wait(ns(), 'logs', 'in sync after the approved plan', (o) => inSync(o) && isReady(o));
    const policy = await stack.operator.getBucketPolicy(bucket);
    assert.match(policy, new RegExp(stack.s3.accessKey));
    assert.doesNotMatch(policy, /"s3:\*"\][^]*"s3:\*"/, 'the tenant has object actions only again');
  });

  it('only reports drift under driftPolicy alert', async () => {
    await stack.patch(ns(), 'logs', { spec: { driftPolicy: { default: 'alert', overrides: [] } } });
    const b = await stack.wait(
      ns(),
      'logs',
      'the alert policy taken',
      (o) => o.status?.observedGeneration === o.metadata.generation,
    );
    await stack.operator.setBucketVersioning(b.status!.bucketName!, { Status: 'Suspended' });
    const drifted = await stack.wait(
      ns(),
      'logs',
      'Drifted',
      (o) => condition(o, 'Drifted')?.status === 'True',
    );
    assert.equal(drifted.status?.drift?.records[0]?.action, 'alert');
    await new Promise((r) => setTimeout(r, 3_000)); // three observe intervals: still not put back
    assert.deepEqual(await stack.operator.getBucketVersioning(b.status!.bucketName!), {
      Status: 'Suspended',
    });
    await stack.patch(ns(), 'logs', { spec: { driftPolicy: { default: 'revert', overrides: [] } } });
    await stack.wait(ns(), 'logs', 'in sync once revert is back', (o) => inSync(o) && isReady(o));
    assert.deepEqual(await stack.operator.getBucketVersioning(b.status!.bucketName!), { Status: 'Enabled' });
  });

  it('makes a bucket deleted at the server again, and the delivered keys still work in it', async () => {
    const b = (await stack.read(ns(), 'logs'))!;
    const bucket = b.status!.bucketName!;
    const creds = await stack.credentials(ns(), 'logs-s3-credentials');
    await stack.dropBucket(bucket);
    await eventuallyEvent(b.metadata.uid!, 'Drifted', /resource_missing/);
    await stack.wait(ns(), 'logs', 'Ready again', (o) => isReady(o) && inSync(o));
    assert.equal(await stack.operator.bucketExists(bucket), true);
    assert.deepEqual(await stack.operator.getBucketVersioning(bucket), { Status: 'Enabled' });
    const tenant = stack.clientOf(creds);
    await tenant.putObject(bucket, 'again.txt', Buffer.from('back'));
    assert.equal(await text(await tenant.getObject(bucket, 'again.txt')), 'back');
    assert.equal(await s3Outcome(() => tenant.removeBucket(bucket)), 'AccessDenied');
  });

  async function eventuallyEvent(uid: string, reason: string, note = /./) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = (await stack.events(ns(), uid)).find((e) => e.reason === reason && note.test(e.note));
      if (found) return found;
      if (Date.now() > deadline) assert.fail(`no ${reason} event`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
});
