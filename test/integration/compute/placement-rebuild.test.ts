// The scheduler's indexes are rebuilt from infra_db while placing goes on: no placement may be lost by a
// rebuild, or the next instance of an anti-affinity group can land on a host the group already uses. Placing
// runs continuously (each placement reserved and recorded in infra_db as the Compute controller does) across
// forced rebuilds, with the real pool and the real simulator's hosts; afterwards every anti-affinity group
// is checked against infra_db.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import pino from 'pino';
import { ProviderPlacement } from '../../../controllers/compute/placement.ts';
import type { PlacementRequest } from '../../../controllers/compute/scheduler/types.ts';
import { releaseHost, reserveHost, withTransaction } from '../../../controllers/compute/store.ts';
import { HttpProvider } from '../../../controllers/provider/http-client.ts';
import { tenantOfNamespace } from '../../../controllers/tenant/children.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { migratedPool } from '../../support/databases.ts';
import { uniqueName } from '../../support/kube.ts';

describe('integration: placement across index rebuilds', function () {
  this.timeout(120_000);
  const namespace = uniqueName('tenant-rebuild');
  const groups = Array.from({ length: 12 }, (_, i) => `g${i}`);
  let pool: pg.Pool;

  before(async () => {
    pool = await migratedPool('infra_db', 12);
  });
  after(async () => {
    // Give back every reservation this test made, then its rows.
    const { rows } = await pool.query<{ uid: string; host_id: string; vcpu: number; memory_mib: number }>(
      'SELECT uid, host_id, vcpu, memory_mib FROM instances WHERE namespace = $1 AND host_id IS NOT NULL',
      [namespace],
    );
    await withTransaction(pool, async (c) => {
      for (const r of rows)
        await releaseHost(c, r.host_id, { vcpu: r.vcpu, memory_mib: r.memory_mib, gpu: 0 });
      await c.query('DELETE FROM instances WHERE namespace = $1', [namespace]);
    });
    await pool.end();
  });

  /** Places one member of `group` and records it as schedule() does; false when the group is refused. */
  async function placeOne(placement: ProviderPlacement, group: string): Promise<boolean> {
    const req: PlacementRequest = {
      instanceId: randomUUID(),
      tenant: tenantOfNamespace(namespace),
      region: 'eu-west-1',
      vcpu: 1,
      memoryMiB: 256,
      gpu: 0,
      labels: { app: group },
      antiAffinity: [{ app: group }],
    };
    const placed = placement.place(req);
    if (!placed.ok) return false;
    try {
      await withTransaction(pool, async (c) => {
        await reserveHost(c, placed.hostId, { vcpu: 1, memory_mib: 256, gpu: 0 });
        await c.query(
          `INSERT INTO instances (uid, namespace, name, region, zone, host_id, vcpu, memory_mib, gpu, labels,
             anti_affinity, phase)
           VALUES ($1, $2, $3, 'eu-west-1', $4, $5, 1, 256, 0, $6, $7, 'Scheduled')`,
          [
            req.instanceId,
            namespace,
            `${group}-${req.instanceId.slice(0, 8)}`,
            placed.zone,
            placed.hostId,
            JSON.stringify(req.labels),
            JSON.stringify(req.antiAffinity),
          ],
        );
      });
    } catch (err) {
      placement.release(req.instanceId);
      throw err;
    }
    return true;
  }

  it('never puts two members of an anti-affinity group on one host while the indexes are rebuilt', async () => {
    const placement = new ProviderPlacement(
      new HttpProvider(endpoints().provider),
      pool,
      pino({ level: 'silent' }),
    );
    await placement.refresh();
    const full = new Set<string>();
    let rebuilding = true;
    let rebuilds = 0;
    const rebuild = (async () => {
      while (rebuilding) {
        await placement.refresh();
        rebuilds++;
      }
    })();
    // Eight placers, as the controller's workers would be, each taking the next group that still has room.
    let next = 0;
    const placers = Array.from({ length: 8 }, async () => {
      while (full.size < groups.length) {
        const group = groups[next++ % groups.length]!;
        if (full.has(group)) continue;
        if (!(await placeOne(placement, group))) full.add(group);
      }
    });
    await Promise.all(placers);
    rebuilding = false;
    await rebuild;
    assert.ok(rebuilds >= 3, `placing went on across ${rebuilds} rebuilds`);

    const placedCount = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM instances WHERE namespace = $1',
      [namespace],
    );
    assert.ok(placedCount.rows[0]!.n >= groups.length * 10, `${placedCount.rows[0]!.n} instances placed`);
    const shared = await pool.query<{ app: string; host_id: string; n: number }>(
      `SELECT labels->>'app' AS app, host_id, count(*)::int AS n FROM instances
        WHERE namespace = $1 GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 1, 2`,
      [namespace],
    );
    assert.deepEqual(shared.rows, [], 'each anti-affinity group has at most one member per host');
  });
});
