// Kill the operator mid-reconcile (SIGKILL, no cleanup) and start it again: it converges, and nothing it
// owns exists twice. The kill is checked to have landed while reconciles were under way.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { adminConfig, eventually, httpStatus, uniqueName } from '../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../support/operator.ts';
import {
  readTenant,
  readyAndCurrent,
  tenantManifest,
  tenantsApi,
  waitForTenant,
  deleteTenants,
} from '../support/tenants.ts';

describe('chaos: operator killed mid-reconcile', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const names = Array.from({ length: 8 }, () => uniqueName('chaos'));

  const db = new pg.Pool({ connectionString: endpoints().postgres.tenants_db, max: 2 });

  before(() => installCrds());
  after(async () => {
    await deleteTenants(kc, names, true, 120_000);
    await db.end();
  });

  it('converges after SIGKILL and restart, creating nothing twice', async () => {
    // The last tenants' database rows are held by an open transaction here, so their reconciles stop inside
    // the upsert, after the finalizer and before the namespace: a reconcile that is certainly in progress when
    // the kill lands, whatever the timing of the others.
    const held = names.slice(-3);
    const holder = new pg.Client({ connectionString: endpoints().postgres.tenants_db });
    await holder.connect();
    let holding = false;
    let first: OperatorProcess | undefined;
    try {
      await holder.query('BEGIN');
      holding = true;
      await holder.query(
        `INSERT INTO tenants (name, uid, display_name, namespace, billing_currency, tier, generation)
         SELECT n, gen_random_uuid(), n, 'tenant-' || n, 'EUR', 'standard', 0 FROM unnest($1::text[]) AS n`,
        [held],
      );
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

      first = await startOperator(uniqueName('chaos-a'), { OMNICLOUD_LEADER_ELECTION: 'false' });
      await eventually('the first operator to be ready', async () =>
        (await first!.readyz())?.startsWith('200') ? true : undefined,
      );
      for (const name of names)
        await custom.createClusterCustomObject({ ...tenantsApi, body: tenantManifest(name) });
      const waiting = await eventually('the held tenants’ reconciles to wait in the database', async () => {
        const { rows } = await db.query<{ pid: number; waitedMs: number }>(
          `SELECT pid, (extract(epoch FROM now() - query_start) * 1000)::int AS "waitedMs"
             FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND $1 = ANY(pg_blocking_pids(pid))
              AND query LIKE 'INSERT INTO tenants%'`,
          [holderPid],
        );
        return rows.length === held.length ? rows : undefined;
      });
      // The operator's statement timeout (30 s) would end the wait and let the reconcile go on.
      assert.ok(
        waiting.every((r) => r.waitedMs < 20_000),
        `waits already ${waiting.map((r) => r.waitedMs)} ms old`,
      );
      await first.stop('SIGKILL');
      assert.equal(first.child.signalCode, 'SIGKILL', 'the operator died of the kill, not on its own');

      // What the kill left: with the operator gone, nothing moves. The held tenants were mid-reconcile.
      const atKill = await Promise.all(names.map((n) => readTenant(kc, n)));
      for (const name of held) {
        const t = atKill[names.indexOf(name)];
        assert.ok(t?.metadata.finalizers?.includes('omnicloud.io/tenant-cleanup'), `${name}: started`);
        assert.ok(!readyAndCurrent(t!), `${name}: not finished`);
        const ns = await core.readNamespace({ name: `tenant-${name}` }).catch((err: unknown) => {
          if (httpStatus(err) === 404) return undefined;
          throw err;
        });
        assert.equal(ns, undefined, `${name}: the reconcile went on past the database`);
      }
      const started = atKill.filter((t) => t?.metadata.finalizers?.length).length;
      const finished = atKill.filter((t) => t && readyAndCurrent(t)).length;
      assert.ok(started > 0, 'the kill came before any reconcile started');
      assert.ok(finished < names.length, 'the kill came after every reconcile finished');
      console.log(
        `      killed the operator with ${finished}/${names.length} tenants Ready, ${held.length} waiting in the database`,
      );
    } finally {
      await first?.stop('SIGKILL'); // already dead unless a check above failed first
      // The dead operator's waiting upserts go through now, as a write in flight at a crash may.
      if (holding) await holder.query('ROLLBACK');
      await holder.end();
    }

    const second = await startOperator(uniqueName('chaos-b'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    try {
      for (const name of names) await waitForTenant(kc, name, 'Ready after restart', readyAndCurrent, 90_000);
      for (const name of names) {
        const ns = `tenant-${name}`;
        const label = `omnicloud.io/tenant=${name}`;
        const namespaces = await core.listNamespace({ labelSelector: label });
        assert.equal(namespaces.items.length, 1, `${name}: namespaces`);
        assert.equal(
          (await core.listNamespacedResourceQuota({ namespace: ns })).items.length,
          1,
          `${name}: quotas`,
        );
        assert.equal(
          (await rbac.listNamespacedRole({ namespace: ns, labelSelector: label })).items.length,
          2,
          `${name}: roles`,
        );
        assert.equal(
          (await rbac.listNamespacedRoleBinding({ namespace: ns, labelSelector: label })).items.length,
          2,
        );
        const t = await readTenant(kc, name);
        assert.deepEqual(
          t?.metadata.finalizers,
          ['omnicloud.io/tenant-cleanup'],
          `${name}: finalizer added once`,
        );
        const { rows } = await db.query<{ uid: string }>('SELECT uid FROM tenants WHERE name = $1', [name]);
        assert.deepEqual(
          rows.map((r) => r.uid),
          [t?.metadata.uid],
          `${name}: one database row, the tenant's`,
        );
      }
    } finally {
      await second.stop();
    }
  });
});
