// The placement indexes rebuilt from infra_db (at start, after a lost race, every minute) keep an instance's
// anti-affinity: an arrival it refuses stays off its host afterwards too. Real database and simulator; the
// instance row is written as the Compute controller records a Scheduled instance.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import pino from 'pino';
import { ProviderPlacement } from '../../../controllers/compute/placement.ts';
import type { PlacementRequest } from '../../../controllers/compute/scheduler/types.ts';
import { HttpProvider } from '../../../controllers/provider/http-client.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { migratedPool } from '../../support/databases.ts';
import { uniqueName } from '../../support/kube.ts';

describe('integration: placement rebuilt from infra_db keeps anti-affinity', function () {
  this.timeout(60_000);
  const tenant = uniqueName('restore');
  const batch = uniqueName('batch');
  const dbUid = randomUUID();
  let pool: pg.Pool;

  const rebuilt = async () => {
    const placement = new ProviderPlacement(
      new HttpProvider(endpoints().provider),
      pool,
      pino({ level: 'silent' }),
    );
    await placement.refresh();
    return placement;
  };
  const request = (labels: Record<string, string>): PlacementRequest => ({
    instanceId: randomUUID(),
    tenant,
    region: 'eu-west-1',
    zone: 'eu-west-1b',
    vcpu: 1,
    memoryMiB: 2048,
    labels,
  });
  const hostOf = (r: ReturnType<ProviderPlacement['place']>) =>
    r.ok ? r.hostId : `${r.reason}: ${r.message}`;

  before(async () => {
    pool = await migratedPool('infra_db');
  });
  after(async () => {
    await pool?.query('DELETE FROM instances WHERE uid = $1', [dbUid]);
    await pool?.end();
  });

  it('keeps a batch instance off the host of a restored instance whose anti-affinity refuses it', async () => {
    // Where an instance of this size goes in the zone right now: the tightest host.
    const tightest = hostOf((await rebuilt()).place(request({ app: 'probe' })));
    assert.match(tightest, /^eu-west-1b-/);
    await pool.query(
      `INSERT INTO instances (uid, namespace, name, region, zone, host_id, vcpu, memory_mib, labels, anti_affinity, phase)
       VALUES ($1, $2, 'db', 'eu-west-1', 'eu-west-1b', $3, 1, 2048, $4, $5, 'Running')`,
      [dbUid, `tenant-${tenant}`, tightest, JSON.stringify({ app: 'db' }), JSON.stringify([{ app: batch }])],
    );

    const placement = await rebuilt();
    // The restored db made its host tighter still; batch must go elsewhere, anything else still goes there.
    assert.notEqual(hostOf(placement.place(request({ app: batch }))), tightest);
    assert.equal(hostOf(placement.place(request({ app: 'web' }))), tightest);
  });
});
