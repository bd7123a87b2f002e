// Volumes against the real stack: created at the simulator, grown (never shrunk), shown in status with
// conditions that explain themselves, every transition written to the outbox with the size the provider has,
// a zone outage shown and recovered from, the tenant's storage quota held by the controller itself (no webhook
// registered here), and deletion that removes the volume at the provider before the object goes.
import assert from 'node:assert/strict';
import type pg from 'pg';
import type { Volume } from '../../../crds/schemas/volume.ts';
import { HttpProvider } from '../../../controllers/provider/http-client.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { migratedPool } from '../../support/databases.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { createReadyTenant, deleteTenants } from '../../support/tenants.ts';
import {
  condition,
  create,
  inPhase,
  patchSpec,
  read,
  remove,
  simulator,
  volumeManifest,
  waitFor,
} from '../../support/infra.ts';

const available = (gib: number) => (v: Volume) =>
  v.status?.phase === 'Available' && v.status.sizeGiB === gib && condition(v, 'Ready')?.status === 'True';

describe('integration: Volume lifecycle at the provider', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const tenant = uniqueName('vol');
  const ns = `tenant-${tenant}`;
  const provider = new HttpProvider(endpoints().provider);
  let op: OperatorProcess;
  let infra: pg.Pool;

  const outboxOf = async (uid: string) =>
    (
      await infra.query<{ to: string; size: number }>(
        `SELECT event->'data'->>'to' AS to, (event->'data'->>'sizeGiB')::int AS size
           FROM outbox WHERE key = $1 AND topic = 'omnicloud.volume.events' ORDER BY seq`,
        [uid],
      )
    ).rows.map((r) => `${r.to}:${r.size}`);

  before(async () => {
    installCrds();
    infra = await migratedPool('infra_db');
    await simulator.clearFaults();
    op = await startOperator(uniqueName('vol-op'), {
      OMNICLOUD_LEADER_ELECTION: 'false',
      OMNICLOUD_OBSERVE_INTERVAL_MS: '1000',
    });
    await createReadyTenant(kc, tenant, {
      quotas: { vcpu: 4, memory: '16Gi', storage: '100Gi', networks: 1, publicIPs: 0 },
    });
  });
  after(async () => {
    await simulator.clearFaults();
    for (const n of ['data', 'big', 'in-c']) await remove(kc, 'volumes', ns, n);
    await deleteTenants(kc, [tenant], false, 120_000);
    await op?.stop();
    await infra?.end();
  });

  it('creates a volume, grows it, and records each step with the size the provider has', async () => {
    await create(kc, volumeManifest(ns, 'data', { sizeGiB: 20, type: 'ssd' }));
    const made = await waitFor<Volume>(kc, 'volumes', ns, 'data', 'Available at 20 GiB', available(20));
    assert.match(condition(made, 'Ready')!.message, /^20 GiB ssd volume available in eu-west-1a$/);
    assert.equal(condition(made, 'Degraded')?.status, 'False');
    assert.ok(made.status?.providerId);
    const atProvider = await eventually('visible at the provider', () =>
      provider.getVolume(made.status!.providerId!),
    );
    assert.deepEqual([atProvider.sizeGiB, atProvider.zone, atProvider.type], [20, 'eu-west-1a', 'ssd']);

    await patchSpec(kc, 'volumes', ns, 'data', { sizeGiB: 50 });
    const grown = await waitFor<Volume>(kc, 'volumes', ns, 'data', 'Available at 50 GiB', available(50));
    assert.equal(grown.status?.providerId, made.status?.providerId, 'grown in place, not replaced');
    assert.equal((await provider.getVolume(made.status!.providerId!))?.sizeGiB, 50);
    assert.deepEqual(await outboxOf(made.metadata.uid), [
      'Pending:20',
      'Creating:20',
      'Available:20',
      'Resizing:20',
      'Available:50',
    ]);
  });

  it('refuses to shrink a volume or move it to another zone', async () => {
    await assert.rejects(patchSpec(kc, 'volumes', ns, 'data', { sizeGiB: 10 }), /can grow but never shrink/);
    await assert.rejects(patchSpec(kc, 'volumes', ns, 'data', { zone: 'eu-west-1b' }), /immutable/);
  });

  it("holds a volume beyond the tenant's storage quota with QuotaExceeded, and creates it once there is room", async () => {
    await create(kc, volumeManifest(ns, 'big', { sizeGiB: 60 }));
    const held = await waitFor<Volume>(
      kc,
      'volumes',
      ns,
      'big',
      'held back by the quota',
      (v) => condition(v, 'Ready')?.reason === 'QuotaExceeded',
    );
    assert.equal(held.status?.phase, 'Pending');
    assert.match(
      condition(held, 'Ready')!.message,
      /has 50 of 100 GiB of storage in use; this volume needs 60 GiB\. Raise spec\.quotas\.storage/,
    );
    assert.equal(condition(held, 'Degraded')?.reason, 'QuotaExceeded');
    await remove(kc, 'volumes', ns, 'data');
    await waitFor<Volume>(kc, 'volumes', ns, 'big', 'Available once data is gone', available(60), 90_000);
  });

  it('deletes the volume at the provider before the object goes, and marks the row Deleted', async () => {
    const big = (await read<Volume>(kc, 'volumes', ns, 'big'))!;
    await remove(kc, 'volumes', ns, 'big');
    await eventually('big gone', async () => ((await read(kc, 'volumes', ns, 'big')) ? undefined : true));
    const atProvider = await provider.getVolume(big.status!.providerId!);
    assert.equal(atProvider?.state ?? 'deleted', 'deleted', 'no volume left at the provider');
    const { rows } = await infra.query<{ phase: string }>('SELECT phase FROM volumes WHERE uid = $1', [
      big.metadata.uid,
    ]);
    assert.equal(rows[0]?.phase, 'Deleted');
    assert.deepEqual((await outboxOf(big.metadata.uid)).slice(-2), ['Deleting:60', 'Deleted:60']);
  });

  it('shows a zone outage as CreateFailed naming the zone, and creates the volume once the zone is back', async () => {
    await simulator.faults({ zone: 'eu-west-1c', down: true });
    await create(kc, volumeManifest(ns, 'in-c', { zone: 'eu-west-1c', sizeGiB: 5 }));
    const failed = await waitFor<Volume>(kc, 'volumes', ns, 'in-c', 'Failed', inPhase('Failed'), 60_000);
    assert.equal(condition(failed, 'Degraded')?.status, 'True');
    assert.equal(condition(failed, 'Degraded')?.reason, 'CreateFailed');
    assert.match(condition(failed, 'Degraded')!.message, /eu-west-1c/);
    assert.match(condition(failed, 'Ready')!.message, /retrying in \d+s/);
    await simulator.faults({ zone: 'eu-west-1c', down: false });
    await waitFor<Volume>(kc, 'volumes', ns, 'in-c', 'Available after the outage', available(5), 90_000);
  });
});
