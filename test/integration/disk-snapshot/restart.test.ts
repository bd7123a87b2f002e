// Crash safety of a snapshot: the controllers stop while the provider is taking it, and the record of its
// operation is lost as if the process had died between the provider call and its record. Controllers started
// afresh call again with the token derived from the recorded attempt and get the first operation back: one
// snapshot at the provider, Ready with its manifest, each transition told once. Run with
// flock /tmp/omnicloud-stack.lock.
import assert from 'node:assert/strict';
import type { DiskSnapshot } from '../../../crds/schemas/disk-snapshot.ts';
import { manifestKey } from '../../../controllers/disk-snapshot/manifest.ts';
import { migratedPool } from '../../support/databases.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';
import {
  condition,
  create,
  createNamespace,
  deleteNamespace,
  read,
  remove,
  volumeManifest,
  waitFor,
  type InfraPlural,
} from '../../support/infra.ts';
import { startOwnSimulator, type OwnSimulator } from '../../support/simulator.ts';
import { snapshotManifest, startHarness, type Harness } from './harness.ts';

const snapshots = 'disksnapshots' as InfraPlural;

describe('integration: a snapshot survives a restart between the provider call and its record', function () {
  this.timeout(120_000);
  const kc = adminConfig();
  const tenant = uniqueName('snap-rs');
  const ns = `tenant-${tenant}`;
  let sim: OwnSimulator;
  let h: Harness | undefined;
  const faults = (body: object) =>
    fetch(`${sim.url}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  before(async () => {
    installCrds();
    await createNamespace(kc, ns);
    sim = await startOwnSimulator();
    h = await startHarness(kc, ns, { sim });
  });
  after(async () => {
    await faults({ slowMs: 0 }).catch(() => undefined);
    h ??= await startHarness(kc, ns, { sim });
    await remove(kc, snapshots, ns, 'snap');
    await remove(kc, 'volumes', ns, 'data');
    await eventually(
      'all gone',
      async () =>
        (await read(kc, snapshots, ns, 'snap')) || (await read(kc, 'volumes', ns, 'data')) ? undefined : true,
      60_000,
    ).catch(() => undefined);
    await h.stop();
    await sim?.dispose();
    await deleteNamespace(kc, ns);
  });

  it('takes one snapshot, with the first operation, after controllers that stopped mid-snapshot are replaced', async () => {
    await create(kc, volumeManifest(ns, 'data', { sizeGiB: 12 }));
    await waitFor(
      kc,
      'volumes',
      ns,
      'data',
      'Available',
      (v: { status?: { phase?: string } }) => v.status?.phase === 'Available',
    );
    await faults({ slowMs: 4_000 });
    await create(kc, snapshotManifest(ns, 'snap', 'data'));
    const uid = (await read<DiskSnapshot>(kc, snapshots, ns, 'snap'))!.metadata.uid!;
    await eventually('the snapshot under way', async () => {
      const { rows } = await h!.pool.query<{ phase: string; operation_id: string | null }>(
        'SELECT phase, operation_id FROM disk_snapshots WHERE uid = $1',
        [uid],
      );
      return rows[0]?.phase === 'Creating' && rows[0].operation_id ? true : undefined;
    });
    await h!.stop();
    h = undefined;
    // What a crash right after the provider call leaves: the intent, without the operation it returned.
    const pool = await migratedPool('infra_db');
    await pool.query('UPDATE disk_snapshots SET operation_id = NULL WHERE uid = $1', [uid]);
    await pool.end();
    await faults({ slowMs: 0 });

    h = await startHarness(kc, ns, { sim });
    const ready = await waitFor<DiskSnapshot>(
      kc,
      snapshots,
      ns,
      'snap',
      'Ready',
      (s) => condition(s, 'Ready')?.status === 'True',
    );
    const atProvider = (await h.provider.listSnapshots({ region: 'eu-west-1' })).items;
    assert.deepEqual(
      atProvider.map((s) => s.id),
      [ready.status!.providerId],
      'one snapshot at the provider',
    );
    assert.equal(
      (await h.manifests.get(manifestKey(tenant, uid)))?.snapshot.providerId,
      ready.status!.providerId,
    );
    const { rows } = await h.pool.query<{ to: string }>(
      `SELECT event->'data'->>'to' AS to FROM outbox WHERE key = $1 AND topic = 'omnicloud.snapshot.events' ORDER BY seq`,
      [uid],
    );
    assert.deepEqual(
      rows.map((r) => r.to),
      ['Pending', 'Creating', 'Ready'],
    );
  });
});
