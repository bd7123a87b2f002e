// What one reconcile costs in API requests, counted by the API server's own audit log for the operator as
// the chart deploys it (its ServiceAccount): a settled Tenant woken by a metadata change re-applies its
// children and writes no status; its own status writes and the Synced condition wake nothing; a burst of
// changes to one object is reconciled a bounded number of times, not once per change. Counts, not times, so
// the figures hold on any machine.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { auditedRequests, runChartOperator, type ChartOperator } from '../support/chart-operator.ts';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';
import { installCrds } from '../support/operator.ts';
import {
  readTenant,
  readyAndCurrent,
  tenantManifest,
  tenantsApi,
  waitForTenant,
} from '../support/tenants.ts';

const writes = new Set(['create', 'update', 'patch', 'delete']);

describe('performance: API requests per reconcile (audit log)', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const tenant = uniqueName('cost');
  let op: ChartOperator;
  let user: string;

  before(async () => {
    installCrds();
    op = await runChartOperator(uniqueName('cost'), uniqueName('omnicloud-cost'));
    user = `system:serviceaccount:${op.namespace}:${op.serviceAccount}`;
  });
  after(async () => {
    await custom.deleteClusterCustomObject({ ...tenantsApi, name: tenant }).catch(() => undefined);
    await eventually(
      'the tenant gone',
      async () => ((await readTenant(kc, tenant)) ? undefined : true),
      90_000,
    ).catch(() => undefined);
    await op?.stop();
    op?.uninstall();
  });

  /** Requests the operator made about `tenant` (its object and its namespace's children) since `from`. */
  const about = (from: number) =>
    auditedRequests(user)
      .slice(from)
      .filter((r) => r.resource.includes(tenant));
  /** Waits until the operator's requests about the tenant stop growing: its reconciles have settled. */
  const settle = async (label: string): Promise<number> => {
    // The audit log is written a moment after each request ends; a quiet spell means the reconciles are done.
    let last = -1;
    let stableSince = 0;
    return eventually(
      label,
      async () => {
        const n = about(0).length; // lease renewals and watches go on; only the tenant's requests must settle
        if (n !== last) {
          last = n;
          stableSince = Date.now();
          return undefined;
        }
        // Quiet for longer than a requeue of a settled object would take, yet far below the resync period.
        return Date.now() - stableSince > 3_000 ? n : undefined;
      },
      120_000,
    );
  };

  it('a settled Tenant woken by a label change costs a bounded, fixed number of writes and no status write', async () => {
    await custom.createClusterCustomObject({ ...tenantsApi, body: tenantManifest(tenant) });
    await waitForTenant(kc, tenant, 'Ready', readyAndCurrent, 90_000);
    await settle('the new tenant to settle');
    const before = auditedRequests(user).length;

    const patch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await custom.patchClusterCustomObject(
      { ...tenantsApi, name: tenant, body: { metadata: { labels: { 'cost-center': 'c-42' } } } },
      patch,
    );
    await settle('the reconcile the label woke to settle');
    const one = about(before);
    const statusWrites = one.filter((r) => writes.has(r.verb) && r.resource.includes('/status'));
    const allWrites = one.filter((r) => writes.has(r.verb));
    console.log(
      `      one reconcile of a settled Tenant: ${allWrites.length} writes (${statusWrites.length} to status), ${one.length} requests`,
    );
    assert.equal(
      statusWrites.length,
      0,
      `a status that did not change is not written: ${JSON.stringify(statusWrites)}`,
    );
    // Its children (namespace, quota, two Roles, two RoleBindings) are re-applied by server-side apply.
    assert.ok(allWrites.length <= 6, `at most one apply per child: ${JSON.stringify(allWrites)}`);
    assert.ok(
      one.every((r) => r.verb !== 'get' && r.verb !== 'list'),
      `reads come from the caches: ${JSON.stringify(one.filter((r) => r.verb === 'get' || r.verb === 'list'))}`,
    );

    // Twenty quick changes: the queue folds them, so reconciles are far fewer than changes.
    const start = auditedRequests(user).length; // `about` slices the whole log, so positions stay comparable
    for (let i = 0; i < 20; i++) {
      await custom.patchClusterCustomObject(
        {
          ...tenantsApi,
          name: tenant,
          body: { metadata: { annotations: { 'omnicloud.io/touch': String(i) } } },
        },
        patch,
      );
    }
    await settle('the burst to settle');
    const burstWrites = about(start).filter((r) => writes.has(r.verb)).length;
    console.log(
      `      20 changes in a burst: ${burstWrites} writes (${(burstWrites / Math.max(allWrites.length, 1)).toFixed(1)} reconciles' worth)`,
    );
    assert.ok(burstWrites <= 20 * Math.max(allWrites.length, 1), 'never more than one reconcile per change');
  });
});
