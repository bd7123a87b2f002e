// Serialisation: canonical (same state, same bytes), compressed, server fields and secret columns left out,
// and data checked against the manifest that names it.
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import {
  canonicalJson,
  checkData,
  decodeSnapshot,
  encodeSnapshot,
  manifestOf,
  snapshotObject,
  withoutSecrets,
  type StateSnapshot,
} from '../../../controllers/state-snapshot/document.ts';

const raw = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Volume',
  metadata: {
    name: 'data',
    namespace: 'tenant-acme',
    uid: '5f0c...',
    resourceVersion: '812',
    generation: 3,
    creationTimestamp: '2026-12-01T00:00:00Z',
    managedFields: [{ manager: 'kubectl' }],
    finalizers: ['omnicloud.io/volume'],
    labels: { team: 'db' },
    annotations: {
      'omnicloud.io/external-name': 'vol-1',
      'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}',
    },
  },
  spec: { sizeGiB: 20, type: 'ssd' },
  status: { phase: 'Available', sizeGiB: 20 },
};

function snapshot(objects = [snapshotObject(raw)]): StateSnapshot {
  return {
    formatVersion: 1,
    id: '20261203T081500123Z-1a2b3c4d',
    tenant: 'acme',
    takenAt: '2026-12-03T08:15:00.123Z',
    namespaces: ['tenant-acme'],
    objects,
    tables: { volumes: [{ uid: 'u1', size_gib: 20 }], networks: [] },
  };
}

describe('state snapshot document', () => {
  it('keeps spec, status, labels and annotations and drops what the API server sets', () => {
    const o = snapshotObject(raw);
    assert.deepEqual(o, {
      apiVersion: 'omnicloud.io/v1alpha1',
      kind: 'Volume',
      metadata: {
        name: 'data',
        namespace: 'tenant-acme',
        labels: { team: 'db' },
        annotations: { 'omnicloud.io/external-name': 'vol-1' },
      },
      spec: { sizeGiB: 20, type: 'ssd' },
      status: { phase: 'Available', sizeGiB: 20 },
    });
  });

  it('writes the same bytes for the same state, whatever the order of keys and objects', () => {
    const a = snapshotObject(raw);
    const b = snapshotObject({ ...raw, metadata: { ...raw.metadata, name: 'logs' } });
    const reordered = JSON.parse(
      JSON.stringify({
        status: a.status,
        spec: a.spec,
        metadata: a.metadata,
        kind: a.kind,
        apiVersion: a.apiVersion,
      }),
    );
    assert.ok(encodeSnapshot(snapshot([a, b])).equals(encodeSnapshot(snapshot([b, reordered]))));
  });

  it('is gzip of canonical JSON and reads back to the same snapshot', () => {
    const s = snapshot();
    const data = encodeSnapshot(s);
    assert.deepEqual(data.subarray(0, 2), Buffer.from([0x1f, 0x8b]));
    assert.equal(gunzipSync(data).toString('utf8'), canonicalJson(s));
    assert.deepEqual(decodeSnapshot(data), s);
  });

  it('refuses a format it does not know', () => {
    const data = encodeSnapshot({ ...snapshot(), formatVersion: 99 });
    assert.throws(() => decodeSnapshot(data), /format 99 is not 1/);
  });

  it('leaves out columns that would hold secret material', () => {
    assert.deepEqual(
      withoutSecrets({
        uid: 'u',
        secret_ref: 'omnicloud/acme/db',
        password: 'p',
        api_token: 't',
        access_key: 'k',
        name: 'n',
      }),
      { uid: 'u', name: 'n' },
    );
  });

  it('counts objects and rows in the manifest and checks data against its size and sha256', () => {
    const s = snapshot();
    const data = encodeSnapshot(s);
    const m = manifestOf(s, 'tenants/acme/data/x.json.gz', data);
    assert.equal(m.objectCount, 1);
    assert.equal(m.rowCount, 1);
    assert.equal(m.sizeBytes, data.length);
    checkData(m, data);
    const tampered = Buffer.from(data);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    assert.throws(() => checkData(m, tampered), /does not match its manifest/);
  });
});
