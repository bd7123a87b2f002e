// Volume snapshots, through the operator's HTTP client against a simulator process of the test's own: taken of
// a live volume as an operation (once per token), recording its size, type and zone; listed per region and per
// zone; kept after their volume is deleted; restored into a new volume in the same region at their size or
// larger; deleted as an operation; and kept across a restart of the simulator (its journal).
import assert from 'node:assert/strict';
import { HttpProvider } from '../../controllers/provider/http-client.ts';
import { ProviderNotFoundError, ProviderRequestError } from '../../controllers/provider/types.ts';
import { created, settled, startOwnSimulator, type OwnSimulator } from '../support/simulator.ts';

describe('contract: provider volume snapshots', function () {
  this.timeout(60_000);
  let sim: OwnSimulator;
  let provider: HttpProvider;

  const volume = (token: string, zone = 'eu-west-1a', sizeGiB = 20) =>
    created(
      provider,
      provider.createVolume({ idempotencyToken: token, region: 'eu-west-1', zone, type: 'ssd', sizeGiB }),
    );
  const faults = (body: object) =>
    fetch(`${sim.url}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const refused = (status: number, code: string, pattern: RegExp) => (e: unknown) =>
    e instanceof ProviderRequestError && e.status === status && e.code === code && pattern.test(e.message);

  before(async () => {
    sim = await startOwnSimulator();
    provider = new HttpProvider(sim.url, { baseBackoffMs: 20 });
  });
  after(async () => {
    if (sim) await sim.dispose();
  });

  let vol: string;
  let snap: string;
  it('takes a snapshot of a volume as an operation, once per token, recording its size, type and zone', async () => {
    vol = await volume('sn-v');
    const before = Date.now();
    // Slow enough to be seen pending, however loaded the machine.
    await faults({ slowMs: 1_000 });
    let op;
    try {
      op = await provider.createSnapshot(vol, 'sn-v-1');
    } finally {
      await faults({ slowMs: 0 });
    }
    assert.equal(
      (await provider.createSnapshot(vol, 'sn-v-1')).id,
      op.id,
      'the same token, the same operation',
    );
    assert.equal(op.kind, 'create-snapshot');
    snap = op.resourceId!;
    assert.match(snap, /^snap-/);
    assert.equal((await provider.getSnapshot(snap))?.state, 'pending');
    assert.equal((await settled(provider, op.id)).status, 'succeeded');
    const seen = await provider.getSnapshot(snap);
    assert.deepEqual(
      { ...seen, createdAt: undefined },
      {
        id: snap,
        volumeId: vol,
        region: 'eu-west-1',
        zone: 'eu-west-1a',
        type: 'ssd',
        sizeGiB: 20,
        state: 'available',
        createdAt: undefined,
      },
    );
    const at = Date.parse(seen!.createdAt);
    assert.ok(seen!.createdAt.endsWith('Z') && at >= before - 1000 && at <= Date.now() + 1000);
  });

  it('records the size the volume has when the snapshot is taken, not a later one', async () => {
    await settled(provider, (await provider.resizeVolume(vol, 30, 'sn-v-grow')).id);
    assert.equal((await provider.getSnapshot(snap))?.sizeGiB, 20);
    const later = await created(provider, provider.createSnapshot(vol, 'sn-v-2'));
    assert.equal((await provider.getSnapshot(later))?.sizeGiB, 30);
  });

  it('lists snapshots per region and per zone, paged', async () => {
    const other = await volume('sn-w', 'eu-west-1b');
    const far = await created(provider, provider.createSnapshot(other, 'sn-w-1'));
    const inA = (await provider.listSnapshots({ region: 'eu-west-1', zone: 'eu-west-1a' })).items.map(
      (s) => s.id,
    );
    const inB = (await provider.listSnapshots({ region: 'eu-west-1', zone: 'eu-west-1b' })).items.map(
      (s) => s.id,
    );
    assert.ok(inA.includes(snap) && !inA.includes(far));
    assert.deepEqual(inB, [far]);
    const region = await provider.listSnapshots({ region: 'eu-west-1', limit: 1 });
    assert.equal(region.items.length, 1);
    assert.ok(region.nextPageToken, 'more than one snapshot in the region: a next page');
    const rest = await provider.listSnapshots({ region: 'eu-west-1', pageToken: region.nextPageToken });
    assert.equal(region.items.length + rest.items.length, 3);
  });

  it('restores a volume from a snapshot in the same region, another zone allowed, at its size or larger', async () => {
    const restored = await created(
      provider,
      provider.createVolume({
        idempotencyToken: 'sn-restore',
        region: 'eu-west-1',
        zone: 'eu-west-1b',
        type: 'ssd',
        sizeGiB: 25,
        snapshotId: snap,
      }),
    );
    const seen = await provider.getVolume(restored);
    assert.deepEqual([seen?.sizeGiB, seen?.zone, seen?.sourceSnapshot], [25, 'eu-west-1b', snap]);
  });

  it('refuses a restore smaller than the snapshot, in another region, or from a snapshot it does not have', async () => {
    const restore = (token: string, region: string, zone: string, sizeGiB: number, snapshotId: string) =>
      provider.createVolume({ idempotencyToken: token, region, zone, type: 'ssd', sizeGiB, snapshotId });
    await assert.rejects(
      restore('sn-small', 'eu-west-1', 'eu-west-1a', 10, snap),
      refused(400, 'InvalidSize', /holds 20 GiB; a volume made from it needs at least that, not 10 GiB/),
    );
    await assert.rejects(
      restore('sn-far', 'us-east-1', 'us-east-1a', 20, snap),
      refused(400, 'RegionMismatch', /only in eu-west-1, not us-east-1/),
    );
    await assert.rejects(
      restore('sn-none', 'eu-west-1', 'eu-west-1a', 20, 'snap-missing'),
      ProviderNotFoundError,
    );
  });

  it('refuses (409) a restore from a snapshot still being taken', async () => {
    await faults({ slowMs: 1_500 });
    let pending: string;
    try {
      pending = (await provider.createSnapshot(vol, 'sn-slow')).resourceId!;
    } finally {
      await faults({ slowMs: 0 });
    }
    await assert.rejects(
      provider.createVolume({
        idempotencyToken: 'sn-too-soon',
        region: 'eu-west-1',
        zone: 'eu-west-1a',
        type: 'ssd',
        sizeGiB: 40,
        snapshotId: pending,
      }),
      refused(409, 'SnapshotNotReady', /is pending, not available/),
    );
  });

  it('keeps a snapshot after its volume is deleted', async () => {
    const brief = await volume('sn-brief');
    const kept = await created(provider, provider.createSnapshot(brief, 'sn-brief-1'));
    await settled(provider, (await provider.deleteVolume(brief, 'sn-brief-delete')).id);
    assert.equal((await provider.getSnapshot(kept))?.state, 'available');
    await assert.rejects(provider.createSnapshot(brief, 'sn-brief-2'), ProviderNotFoundError);
  });

  it('deletes a snapshot as an operation; deleting it again succeeds; it is no longer listed', async () => {
    const op = await provider.deleteSnapshot(snap, 'sn-delete');
    assert.equal(op.kind, 'delete-snapshot');
    assert.equal((await settled(provider, op.id)).status, 'succeeded');
    assert.equal((await provider.getSnapshot(snap))?.state, 'deleted');
    assert.equal(
      (await settled(provider, (await provider.deleteSnapshot(snap, 'sn-delete-2')).id)).status,
      'succeeded',
    );
    const listed = (await provider.listSnapshots({ region: 'eu-west-1' })).items.map((s) => s.id);
    assert.ok(!listed.includes(snap));
    await assert.rejects(provider.deleteSnapshot('snap-missing', 'sn-delete-missing'), ProviderNotFoundError);
  });

  it('fails a snapshot in a down zone with a failed operation naming the zone, and nothing is kept', async () => {
    await faults({ zone: 'eu-west-1a', down: true });
    try {
      const op = await provider.createSnapshot(vol, 'sn-down');
      assert.deepEqual(
        [op.status, op.error],
        ['failed', { code: 'ZoneUnavailable', message: 'zone eu-west-1a is down' }],
      );
    } finally {
      await faults({ zone: 'eu-west-1a', down: false });
    }
  });

  it('keeps snapshots across a restart of the simulator', async () => {
    const kept = await created(provider, provider.createSnapshot(vol, 'sn-restart'));
    await sim.restart();
    assert.equal((await provider.getSnapshot(kept))?.state, 'available');
    assert.equal((await provider.createSnapshot(vol, 'sn-restart')).resourceId, kept, 'its token too');
  });
});
