// Crash safety of an attach: the controllers stop while an attach is under way at the provider, and the record
// of its operation is lost as if the process had died between the provider call and its record. Controllers
// started afresh find the intent, call again with the token derived from it, and get the first operation back:
// one attachment, one attach told on the bus. Real controllers against the API server and infra_db, on a
// simulator of the test's own that outlives them. Run with flock /tmp/omnicloud-stack.lock.
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Compute } from '../../../crds/schemas/compute.ts';
import { computeController } from '../../../controllers/compute/reconcile.ts';
import { ProviderPlacement } from '../../../controllers/compute/placement.ts';
import { networkController } from '../../../controllers/network/reconcile.ts';
import { migratedPool } from '../../support/databases.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';
import {
  computeManifest,
  condition,
  create,
  createNamespace,
  deleteNamespace,
  networkManifest,
  patchSpec,
  read,
  removeInfra,
  volumeManifest,
  waitFor,
} from '../../support/infra.ts';
import { startOwnSimulator, type OwnSimulator } from '../../support/simulator.ts';
import { startHarness, type Harness, type HarnessBase } from '../disk-snapshot/harness.ts';

const withCompute = async (base: HarnessBase) => {
  const placement = new ProviderPlacement(base.provider, base.pool, pino({ level: 'silent' }));
  await placement.refresh();
  return [
    networkController({ pool: base.pool, provider: base.provider, observeIntervalMs: 1_000 }),
    computeController({
      pool: base.pool,
      provider: base.provider,
      placement,
      observeIntervalMs: 1_000,
      volume: base.volume,
    }),
  ] as never[];
};

describe('integration: an attach survives a restart between the provider call and its record', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const ns = `tenant-${uniqueName('attach-rs')}`;
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
    h = await startHarness(kc, ns, { sim, extra: withCompute });
  });
  after(async () => {
    await faults({ slowMs: 0 }).catch(() => undefined);
    h ??= await startHarness(kc, ns, { sim, extra: withCompute });
    await removeInfra(kc, ns, ['web'], ['net'], ['data']);
    await h.stop();
    await sim?.dispose();
    await deleteNamespace(kc, ns);
  });

  it('attaches once, with the first operation, after controllers that stopped mid-attach are replaced', async () => {
    await create(kc, networkManifest(ns, 'net'));
    await create(kc, volumeManifest(ns, 'data', { sizeGiB: 10 }));
    await create(kc, computeManifest(ns, 'web'));
    const web = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'web',
      'Ready',
      (c) => condition(c, 'Ready')?.status === 'True',
      90_000,
    );
    await waitFor(
      kc,
      'volumes',
      ns,
      'data',
      'Available',
      (v: { status?: { phase?: string } }) => v.status?.phase === 'Available',
    );

    // Slow enough that the attach is still under way when the controllers stop.
    await faults({ slowMs: 4_000 });
    await patchSpec(kc, 'computes', ns, 'web', { volumes: [{ name: 'data' }] });
    const first = await eventually('the attach under way', async () => {
      const { rows } = await h!.pool.query<{ phase: string; operation_id: string | null; attempt: number }>(
        'SELECT phase, operation_id, attempt FROM volume_attachments WHERE instance_uid = $1',
        [web.metadata.uid],
      );
      return rows[0]?.phase === 'Attaching' && rows[0].operation_id ? rows[0] : undefined;
    });
    await h!.stop();
    h = undefined;
    // What a crash right after the provider call leaves: the intent, without the operation it returned.
    const pool = await migratedPool('infra_db');
    await pool.query('UPDATE volume_attachments SET operation_id = NULL WHERE instance_uid = $1', [
      web.metadata.uid,
    ]);
    await pool.end();
    await faults({ slowMs: 0 });

    h = await startHarness(kc, ns, { sim, extra: withCompute });
    const attached = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'web',
      'data attached',
      (c) => condition(c, 'Ready')?.status === 'True' && c.status?.volumes?.[0]?.attached === true,
      90_000,
    );
    const { rows } = await h.pool.query<{ phase: string; operation_id: string; attempt: number }>(
      'SELECT phase, operation_id, attempt FROM volume_attachments WHERE instance_uid = $1',
      [web.metadata.uid],
    );
    assert.deepEqual(
      rows,
      [{ phase: 'Attached', operation_id: first.operation_id, attempt: first.attempt }],
      'the first operation, replayed by its token',
    );
    const volumeId = (await read<{ status?: { providerId?: string } }>(kc, 'volumes', ns, 'data'))!.status!
      .providerId!;
    assert.equal((await h.provider.getVolume(volumeId))?.attachedTo, attached.status!.providerId);
    const told = await h.pool.query<{ to: string }>(
      `SELECT event->'data'->>'to' AS to FROM outbox WHERE key = $1 AND event->'data'->>'to' LIKE 'Volume%' ORDER BY seq`,
      [web.metadata.uid],
    );
    assert.deepEqual(
      told.rows.map((r) => r.to),
      ['VolumeAttaching', 'VolumeAttached'],
      'each told once',
    );
  });
});
