// Drift of a Volume against the real stack: a volume deleted at the cloud's console is created again; one
// grown at the console is recorded at the size it has (storage is billed by it), cannot be shrunk back, and
// its drift is told; deletionPolicy Orphan leaves the volume at the provider.
import assert from 'node:assert/strict';
import { condition } from '../../support/infra.ts';
import { DriftStack, type VolumeObj } from './drift-stack.ts';

const availableInSync = (gib: number) => (v: VolumeObj) =>
  v.status?.phase === 'Available' &&
  v.status.sizeGiB === gib &&
  condition(v, 'Ready')?.status === 'True' &&
  condition(v, 'Drifted')?.status === 'False';

describe('integration: drift of a Volume', function () {
  this.timeout(300_000);
  const stack = new DriftStack('voldrift');

  before(async () => {
    await stack.start({ network: false });
  });
  after(async () => {
    await stack.close();
  });

  async function available(name: string, spec: Parameters<DriftStack['createVolume']>[1] = {}) {
    await stack.createVolume(name, { sizeGiB: 10, ...spec });
    const v = await stack.waitVolume(name, 'Available and in sync', availableInSync(10));
    return { v, id: v.status!.providerId!, uid: v.metadata.uid! };
  }

  it('creates a volume deleted at the console again, under a new provider id', async () => {
    const { id, uid } = await available('scratch');
    await stack.console.deleteVolume(id);
    const missing = await stack.historyRow(
      uid,
      'detected',
      (r) => r.drift_type === 'resource_missing',
      60_000,
    );
    assert.deepEqual([missing.path, missing.severity, missing.action], ['$', 'critical', 'revert']);
    const again = await stack.waitVolume(
      'scratch',
      'Available again under a new provider id',
      (v) => Boolean(v.status?.providerId && v.status.providerId !== id) && availableInSync(10)(v),
      120_000,
    );
    const fresh = await stack.provider.getVolume(again.status!.providerId!);
    assert.deepEqual([fresh?.state, fresh?.sizeGiB, fresh?.zone], ['available', 10, 'eu-west-1a']);
    assert.notEqual((await stack.provider.getVolume(id))?.state ?? 'deleted', 'available');
    assert.match((await stack.event(uid, 'Drifted')).note, /\$ \(critical, resource_missing, revert\)/);
  });

  it('records a volume grown at the console at its new size, never shrinks it, and tells the drift', async () => {
    const { id, uid } = await available('grown');
    await stack.console.growVolume(id, 25);
    const shown = await stack.waitVolume(
      'grown',
      'status.sizeGiB at the grown size and the drift shown',
      (v) => v.status?.sizeGiB === 25 && (v.status.drift?.total ?? 0) > 0,
    );
    assert.deepEqual(shown.status!.drift!.records, [
      {
        path: 'sizeGiB',
        type: 'value_changed',
        severity: 'functional',
        desired: '10',
        actual: '25',
        action: 'alert',
      },
    ]);
    assert.equal(condition(shown, 'Drifted')?.status, 'True');
    const detected = await stack.historyRow(uid, 'detected');
    assert.deepEqual(
      [detected.path, detected.desired, detected.actual, detected.action],
      ['sizeGiB', 10, 25, 'alert'],
    );
    assert.match((await stack.event(uid, 'Drifted')).note, /sizeGiB \(functional, value_changed, alert\)/);
    assert.ok((await stack.outboxTypes(uid)).includes('io.omnicloud.volume.drift-detected'));

    await stack.listings(2, 'GET /v1/volumes');
    assert.equal((await stack.provider.getVolume(id))?.sizeGiB, 25, 'a volume is never shrunk');
    const { rows } = await stack.infra.query<{ size_gib: number }>(
      'SELECT size_gib FROM volumes WHERE uid = $1',
      [uid],
    );
    assert.equal(rows[0]?.size_gib, 25, 'recorded (and billed) at the size it has');
  });

  it('leaves the volume at the provider when a Volume with deletionPolicy Orphan is deleted', async () => {
    const { id, uid } = await available('kept', { deletionPolicy: 'Orphan' });
    stack.leaveVolume(id);
    await stack.removeAndWait('volumes', 'kept');
    assert.equal((await stack.provider.getVolume(id))?.state, 'available');
    assert.match(
      (await stack.event(uid, 'Orphaned')).note,
      /left at the provider: deletionPolicy is Orphan$/,
    );
    const { rows } = await stack.infra.query<{ phase: string }>('SELECT phase FROM volumes WHERE uid = $1', [
      uid,
    ]);
    assert.equal(rows[0]?.phase, 'Deleted', 'the row is closed');
  });
});
