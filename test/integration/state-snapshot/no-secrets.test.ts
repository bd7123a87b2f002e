// A state snapshot carries references, never secret material: a Kubernetes Secret in the tenant's namespace
// (not an OmniCloud object) is not read, and a bucket's access keys in infra_db are left out of its row while
// the rest of the row is kept.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import { collectSnapshot } from '../../../controllers/state-snapshot/collect.ts';
import { encodeSnapshot } from '../../../controllers/state-snapshot/document.ts';
import { gunzipSync } from 'node:zlib';
import { migratedPool } from '../../support/databases.ts';
import { createNamespace, deleteNamespace } from '../../support/infra.ts';
import { adminConfig, uniqueName } from '../../support/kube.ts';

describe('integration: state snapshots hold no secret material', function () {
  this.timeout(60_000);
  const kc = adminConfig();
  const tenant = uniqueName('ssec');
  const ns = `tenant-${tenant}`;
  const secretValue = `value-${randomBytes(12).toString('hex')}`;
  const accessKey = `AK${randomBytes(8).toString('hex').toUpperCase()}`;
  const bucketUid = randomUUID();
  let infra: pg.Pool;

  before(async () => {
    infra = await migratedPool('infra_db');
    await createNamespace(kc, ns);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'db-password' }, stringData: { value: secretValue } },
    });
    await infra.query(
      `INSERT INTO buckets (uid, namespace, name, bucket_name, phase, access_key, pending_access_key, secret_name)
       VALUES ($1, $2, 'assets', $3, 'Ready', $4, $4, 'assets-s3-credentials')`,
      [bucketUid, ns, `b-${bucketUid}`, accessKey],
    );
  });
  after(async () => {
    await infra?.query('DELETE FROM buckets WHERE uid = $1', [bucketUid]);
    await infra?.end();
    await deleteNamespace(kc, ns);
  });

  it('keeps the bucket row without its access keys and never reads the Secret', async () => {
    const snap = await collectSnapshot(kc, infra, tenant, '20261203T000000000Z-00000000', new Date());
    const row = snap.tables.buckets?.find((r) => r.uid === bucketUid);
    assert.ok(row, 'the bucket row is in the snapshot');
    assert.equal(row.bucket_name, `b-${bucketUid}`);
    assert.equal(row.phase, 'Ready');
    assert.ok(!('access_key' in row) && !('pending_access_key' in row), 'no access key column');
    const text = gunzipSync(encodeSnapshot(snap)).toString('utf8');
    assert.ok(!text.includes(accessKey), 'no access key anywhere');
    assert.ok(!text.includes(secretValue), 'no Secret value anywhere');
    assert.ok(!text.includes(Buffer.from(secretValue).toString('base64')), 'not even base64-encoded');
  });
});
