// Security of Buckets against the real S3 server (versitygw): a tenant's delivered credentials reach its own
// bucket only (another tenant's cannot be listed, read, written, deleted or re-policied, its own policy and
// versioning cannot be changed, the admin API refuses them); another tenant naming a bucket by the
// external-name annotation is refused without touching it or telling anything of it; a Secret of the chosen
// name that is not the Bucket's is never overwritten; and no key, old or new, ever reaches the Bucket's
// status, its Events, infra_db's rows and outbox (what goes to Kafka) or the controller's log.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { s3Admin } from '../../controllers/bucket/s3-admin.ts';
import {
  BucketStack,
  condition,
  isReady,
  s3Outcome,
  text,
  type Credentials,
} from '../integration/bucket/harness.ts';

describe('security: Bucket credentials and tenant isolation on the S3 server', function () {
  this.timeout(120_000);
  const stack = new BucketStack(['bsa', 'bsb']);
  const [a, b] = [() => stack.namespaces[0]!, () => stack.namespaces[1]!];
  const seen: Credentials[] = [];
  let bucketA = '';
  let bucketB = '';
  let credsA: Credentials;

  before(async () => {
    await stack.start();
    await stack.create(a(), 'private', { versioning: 'Enabled' });
    await stack.create(b(), 'other');
    bucketA = (await stack.wait(a(), 'private', 'Ready', isReady)).status!.bucketName!;
    bucketB = (await stack.wait(b(), 'other', 'Ready', isReady)).status!.bucketName!;
    credsA = await stack.credentials(a(), 'private-s3-credentials');
    seen.push(credsA, await stack.credentials(b(), 'other-s3-credentials'));
    await stack.clientOf(seen[1]!).putObject(bucketB, 'secret-plans.txt', Buffer.from('tenant b only'));
  });
  after(() => stack.close());

  it("cannot list, read, write or delete another tenant's bucket with its own credentials", async () => {
    const mine = stack.clientOf(credsA);
    assert.equal(await s3Outcome(() => mine.getObject(bucketB, 'secret-plans.txt')), 'AccessDenied');
    assert.equal(
      await s3Outcome(() => mine.putObject(bucketB, 'planted.txt', Buffer.from('x'))),
      'AccessDenied',
    );
    assert.equal(await s3Outcome(() => mine.removeObject(bucketB, 'secret-plans.txt')), 'AccessDenied');
    assert.equal(
      await s3Outcome(async () => {
        for await (const _ of mine.listObjectsV2(bucketB, '', true)) break;
      }),
      'AccessDenied',
    );
    assert.equal(await s3Outcome(() => mine.removeBucket(bucketB)), 'AccessDenied');
    assert.equal(await s3Outcome(() => mine.setBucketPolicy(bucketB, '')), 'AccessDenied');
    assert.deepEqual(
      (await mine.listBuckets()).map((x) => x.name).filter((n) => n === bucketB),
      [],
    );
    assert.equal(await text(await stack.operator.getObject(bucketB, 'secret-plans.txt')), 'tenant b only');
    assert.equal(await stack.operator.bucketExists(bucketB), true);
  });

  it("cannot change its own bucket's policy or versioning, make buckets, or use the admin API", async () => {
    const mine = stack.clientOf(credsA);
    assert.equal(await s3Outcome(() => mine.setBucketPolicy(bucketA, '')), 'AccessDenied');
    assert.equal(
      await s3Outcome(() => mine.setBucketVersioning(bucketA, { Status: 'Suspended' })),
      'AccessDenied',
    );
    assert.equal(await s3Outcome(() => mine.makeBucket(`${bucketA}-more`)), 'AccessDenied');
    assert.deepEqual(await stack.operator.getBucketVersioning(bucketA), { Status: 'Enabled' });
    const asAdmin = s3Admin({
      endpoint: credsA.endpoint,
      region: credsA.region,
      accessKey: credsA.accessKey,
      secretKey: credsA.secretKey,
    });
    await assert.rejects(asAdmin.listAccounts(), /XAdminAccessDenied/);
    await assert.rejects(
      asAdmin.createAccount('PLANTEDPLANTEDPLANTE', 'x'.repeat(40), 'admin'),
      /XAdminAccessDenied/,
    );
  });

  it("refuses another tenant's bucket named by the external-name annotation, without touching or telling", async () => {
    const policyBefore = await stack.operator.getBucketPolicy(bucketA);
    await stack.create(
      b(),
      'grab',
      { versioning: 'Suspended', forceDelete: true },
      { 'omnicloud.io/external-name': bucketA },
    );
    const refused = await stack.wait(
      b(),
      'grab',
      'refused',
      (o) => condition(o, 'Ready')?.reason === 'OwnedByAnotherTenant',
    );
    const shown = JSON.stringify(refused.status);
    assert.doesNotMatch(shown, new RegExp(a()), 'the owner namespace is not told');
    assert.equal(refused.status?.secretName, undefined);
    assert.equal(refused.status?.usage, undefined);
    await assert.rejects(
      stack.kc
        .makeApiClient(k8s.CoreV1Api)
        .readNamespacedSecret({ name: 'grab-s3-credentials', namespace: b() }),
    );
    await stack.removeAndWait(b(), 'grab');
    assert.equal(await stack.operator.bucketExists(bucketA), true);
    assert.deepEqual(await stack.operator.getBucketVersioning(bucketA), { Status: 'Enabled' });
    assert.equal(await stack.operator.getBucketPolicy(bucketA), policyBefore);
    await stack.wait(a(), 'private', 'still Ready', isReady);
  });

  it("never overwrites a Secret of the chosen name that is not the Bucket's", async () => {
    const core = stack.kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedSecret({
      namespace: a(),
      body: { metadata: { name: 'app-config', namespace: a() }, stringData: { password: 'the app’s own' } },
    });
    await stack.create(a(), 'clash', { credentials: { secretName: 'app-config' } });
    const held = await stack.wait(
      a(),
      'clash',
      'SecretNameTaken',
      (o) => condition(o, 'Ready')?.reason === 'SecretNameTaken',
    );
    assert.match(condition(held, 'Ready')!.message, /a Secret named app-config .* belongs to something else/);
    const kept = await core.readNamespacedSecret({ name: 'app-config', namespace: a() });
    assert.deepEqual(Object.keys(kept.data ?? {}), ['password']);
    assert.equal(Buffer.from(kept.data!.password!, 'base64').toString('utf8'), 'the app’s own');
  });

  it('tells no key, old or new, in status, Events, infra_db or the log, through a rotation', async () => {
    await stack.patch(a(), 'private', { spec: { credentials: { rotateAt: 'now' } } });
    await stack.wait(
      a(),
      'private',
      'rotated',
      (o) => isReady(o) && o.status?.observedGeneration === o.metadata.generation,
    );
    seen.push(await stack.credentials(a(), 'private-s3-credentials'));
    const secrets = seen.flatMap((c) => [c.secretKey, c.accessKey]);
    assert.equal(new Set(secrets).size, secrets.length);

    const told: string[] = [...stack.lines];
    for (const [ns, name] of [
      [a(), 'private'],
      [b(), 'other'],
      [a(), 'clash'],
    ] as const) {
      const obj = (await stack.read(ns, name))!;
      told.push(JSON.stringify(obj.status), JSON.stringify(obj.metadata.annotations ?? {}));
      told.push(...(await stack.events(ns, obj.metadata.uid!)).map((e) => e.note));
    }
    // The outbox (what goes to Kafka) and drift history are told like status; the buckets row must name the
    // access key ids it manages (which accounts to re-key and remove) but never holds a secret key.
    const told2 = await stack.pool.query<{ t: string }>(
      `SELECT event::text AS t FROM outbox WHERE topic = 'omnicloud.bucket.events' AND event->'data'->>'namespace' = ANY($1)
       UNION ALL SELECT row_to_json(h)::text FROM drift_history h WHERE namespace = ANY($1)`,
      [stack.namespaces],
    );
    told.push(...told2.rows.map((r) => r.t));
    const recorded = (
      await stack.pool.query<{ t: string }>(
        'SELECT row_to_json(b)::text AS t FROM buckets b WHERE namespace = ANY($1)',
        [stack.namespaces],
      )
    ).rows.map((r) => r.t);
    assert.ok(
      told.length > 20 && recorded.length >= 3,
      `only ${told.length} things told, ${recorded.length} rows`,
    );
    const everything = told.join('\n');
    for (const c of seen) {
      assert.equal(everything.includes(c.secretKey), false, 'a secret key was told');
      assert.equal(everything.includes(c.accessKey), false, 'an access key was told');
      assert.equal(recorded.join('\n').includes(c.secretKey), false, 'a secret key was recorded in infra_db');
    }
    assert.equal(everything.includes(stack.s3.secretKey), false, "the operator's secret key was told");
    assert.equal(everything.includes(stack.s3.admin!.secretKey), false, 'the IAM-admin secret key was told');
  });
});
