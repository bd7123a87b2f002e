// The status a ManagedSecret shows: versions, times in UTC, the next rotation, conditions that explain
// themselves, and a target Secret built owned and labelled with the KV version.
import assert from 'node:assert/strict';
import type { ManagedSecret } from '../../../crds/schemas/managed-secret.ts';
import { secretStatus } from '../../../controllers/secret/status.ts';
import type { SecretRow } from '../../../controllers/secret/store.ts';
import { targetSecret } from '../../../controllers/secret/target.ts';
import { dueRotation, type SecretSpec } from '../../../controllers/secret/steps.ts';

const obj: ManagedSecret = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'ManagedSecret',
  metadata: { name: 'db', namespace: 'tenant-acme', uid: 'u-1', generation: 3 },
  spec: {
    generate: { length: 32, charset: 'alphanumeric' },
    rotation: { every: '24h' },
    target: { key: 'value' },
    history: 10,
    managementPolicy: 'Full',
    deletionPolicy: 'Delete',
    driftPolicy: { default: 'revert', overrides: [] },
  },
};
const row: SecretRow = {
  uid: 'u-1',
  namespace: 'tenant-acme',
  name: 'db',
  tenant: 'acme',
  path: 'tenants/acme/tenant-acme/db',
  phase: 'Ready',
  provider_id: 'tenants/acme/tenant-acme/db',
  version: 4,
  synced_version: 4,
  target: 'db',
  adopted: false,
  created_at_vault: new Date('2026-01-01T00:00:00.123Z'),
  rotated_at: new Date('2026-01-02T06:00:00Z'),
  rotate_request: null,
  rotating_from: null,
  message: null,
};
const now = new Date('2026-01-02T07:00:00Z');

describe('unit: ManagedSecret status', () => {
  it('shows versions, times and the next rotation in UTC, Ready naming the version and the Secret', () => {
    const s = secretStatus(obj, row, undefined, now);
    assert.equal(s.version, 4);
    assert.equal(s.secretName, 'db');
    assert.equal(s.path, 'omnicloud/tenants/acme/tenant-acme/db');
    assert.equal(s.createdAt, '2026-01-01T00:00:00Z');
    assert.equal(s.rotatedAt, '2026-01-02T06:00:00Z');
    assert.equal(s.nextRotationAt, '2026-01-03T06:00:00Z');
    const ready = s.conditions!.find((c) => c.type === 'Ready')!;
    assert.deepEqual([ready.status, ready.reason, ready.observedGeneration], ['True', 'Synced', 3]);
    assert.equal(ready.message, 'version 4 is in the Vault API and in Secret db');
  });

  it('shows the Vault API away on Ready and Degraded, keeping what is known', () => {
    const problem = {
      reason: 'VaultUnavailable',
      message: 'the Vault API cannot be reached to read x (ECONNREFUSED)',
    };
    const s = secretStatus(obj, row, problem, now);
    for (const type of ['Ready', 'Degraded']) {
      const c = s.conditions!.find((x) => x.type === type)!;
      assert.equal(c.reason, 'VaultUnavailable');
      assert.match(c.message, /Vault API cannot be reached/);
    }
    assert.equal(s.version, 4);
  });

  it('says a rotation is under way, and a version not delivered yet is not Ready', () => {
    const rotating = secretStatus(obj, { ...row, phase: 'Rotating' }, undefined, now);
    assert.equal(rotating.conditions!.find((c) => c.type === 'Ready')!.reason, 'Rotating');
    const stale = secretStatus(obj, { ...row, synced_version: 3 }, undefined, now);
    assert.equal(stale.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
  });

  it('makes a rotation due by schedule or request, only for a generated value', () => {
    const spec = { ...obj.spec, targetName: 'db' } as SecretSpec;
    assert.equal(dueRotation(spec, row, now), undefined);
    assert.equal(dueRotation(spec, row, new Date('2026-01-03T06:00:00Z')), 'schedule');
    assert.equal(dueRotation({ ...spec, rotateRequest: 'r1' }, row, now), 'request');
    const copied = {
      ...spec,
      generate: undefined,
      source: { secretRef: { name: 'a', key: 'b' } },
    } as SecretSpec;
    assert.equal(
      dueRotation({ ...copied, rotateRequest: 'r1' }, row, new Date('2027-01-01T00:00:00Z')),
      undefined,
    );
  });

  it("builds the target owned by the ManagedSecret, labelled as the operator's, with the KV version", () => {
    const s = targetSecret(obj, 'db-creds', 'pw', 'héllo', 7);
    assert.equal(s.metadata?.annotations?.['omnicloud.io/secret-version'], '7');
    assert.equal(s.metadata?.labels?.['app.kubernetes.io/managed-by'], 'omnicloud-operator');
    assert.equal(s.metadata?.labels?.['omnicloud.io/managed-secret'], 'db');
    assert.deepEqual(s.metadata?.ownerReferences?.[0], {
      apiVersion: 'omnicloud.io/v1alpha1',
      kind: 'ManagedSecret',
      name: 'db',
      uid: 'u-1',
      controller: true,
      blockOwnerDeletion: true,
    });
    assert.equal(Buffer.from(s.data!.pw!, 'base64').toString('utf8'), 'héllo');
  });
});
