// A CostAllocation applied to the API server: the operator splits the month's shared costs over every tenant
// in tenants_db, and the parts add up to the total to the cent.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import { Decimal } from 'decimal.js';
import type { CostAllocation } from '../../../crds/schemas/cost-allocation.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { migratedPool } from '../../support/databases.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import {
  deleteTenants,
  readyAndCurrent,
  tenantManifest,
  tenantsApi,
  waitForTenant,
} from '../../support/tenants.ts';

describe('integration: cost allocation over the tenants', function () {
  this.timeout(120_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const api = { group: 'omnicloud.io', version: 'v1alpha1', plural: 'costallocations' };
  const name = uniqueName('shared');
  const tenants = [uniqueName('alloc'), uniqueName('alloc')];
  let op: OperatorProcess;
  let tenantsDb: pg.Pool;

  before(async () => {
    installCrds();
    tenantsDb = await migratedPool('tenants_db');
    op = await startOperator(uniqueName('alloc-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    for (const t of tenants)
      await custom.createClusterCustomObject({ ...tenantsApi, body: tenantManifest(t) });
    for (const t of tenants) await waitForTenant(kc, t, 'Ready', readyAndCurrent);
  });
  after(async () => {
    await custom.deleteClusterCustomObject({ ...api, name }).catch(() => undefined);
    await deleteTenants(kc, tenants);
    await op?.stop();
    await tenantsDb?.end();
  });

  it("splits the month's shared costs equally, exactly, over every tenant of the month", async () => {
    const now = new Date();
    const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    await custom.createClusterCustomObject({
      ...api,
      body: {
        apiVersion: 'omnicloud.io/v1alpha1',
        kind: 'CostAllocation',
        metadata: { name },
        spec: {
          month,
          currency: 'EUR',
          strategy: 'equal',
          sharedCosts: [
            { name: 'control-plane', amount: '1000.00' },
            { name: 'monitoring', amount: '333.33' },
          ],
        },
      },
    });
    const ca = await eventually('the allocation computed', async () => {
      const c = (await custom.getClusterCustomObject({ ...api, name })) as CostAllocation;
      return c.status?.allocations ? c : undefined;
    });
    assert.equal(ca.status!.phase, 'Provisional');
    assert.equal(ca.status!.total, '1333.33');
    const sum = ca.status!.allocations!.reduce((s, a) => s.plus(a.amount), new Decimal(0));
    assert.equal(sum.toFixed(2), '1333.33', 'the parts sum to the total exactly');
    const listed = new Set(ca.status!.allocations!.map((a) => a.tenant));
    for (const t of tenants) assert.ok(listed.has(t), `${t} takes part`);
    const { rows } = await tenantsDb.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM tenants WHERE created_at < $1 AND (deleted_at IS NULL OR deleted_at > date_trunc('month', now()))",
      [new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))],
    );
    assert.equal(ca.status!.allocations!.length, rows[0]!.n, 'every tenant of the month, no other');
    assert.ok(ca.status!.allocations!.every((a) => /^\d+\.\d{2}$/.test(a.amount) && Number(a.amount) >= 0));
  });

  it('refuses a custom strategy without categories at the API server', async () => {
    await assert.rejects(
      custom.createClusterCustomObject({
        ...api,
        body: {
          apiVersion: 'omnicloud.io/v1alpha1',
          kind: 'CostAllocation',
          metadata: { name: `${name}-bad` },
          spec: {
            month: '2026-10',
            currency: 'EUR',
            strategy: 'custom',
            sharedCosts: [{ name: 'logging', amount: '1' }],
          },
        },
      }),
      /the custom strategy needs spec\.categories/,
    );
  });
});
