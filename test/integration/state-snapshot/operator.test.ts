// The operator as it runs (its own process, every controller registered): a tenant's StateSnapshot becomes
// Ready with a snapshot in the operator's bucket that a restore dry run finds unchanged.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import type { StateSnapshot } from '../../../crds/schemas/state-snapshot.ts';
import { listSnapshots, readSnapshot, snapshotStore } from '../../../controllers/state-snapshot/store.ts';
import { planRestore } from '../../../controllers/state-snapshot/restore.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { api } from '../../support/infra.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { s3Client } from '../../support/s3.ts';
import { createReadyTenant, deleteTenants } from '../../support/tenants.ts';
import { removeTenantSnapshots } from './support.ts';

describe('integration: the operator takes scheduled state snapshots', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const tenant = uniqueName('ssop');
  const ns = `tenant-${tenant}`;
  const s3 = s3Client();
  const store = snapshotStore(s3, endpoints().s3.region);
  let op: OperatorProcess;

  before(async () => {
    installCrds();
    op = await startOperator(uniqueName('ssnap-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    await createReadyTenant(kc, tenant);
  });
  after(async () => {
    await deleteTenants(kc, [tenant], false, 120_000);
    await op?.stop();
    await removeTenantSnapshots(s3, tenant);
  });

  it('shows the snapshot it took, which lists and restores as unchanged', async () => {
    await custom.createNamespacedCustomObject({
      ...api,
      plural: 'statesnapshots',
      namespace: ns,
      body: {
        apiVersion: 'omnicloud.io/v1alpha1',
        kind: 'StateSnapshot',
        metadata: { name: 'daily' },
        spec: { schedule: { every: '24h' } },
      },
    });
    const o = await eventually('StateSnapshot Ready', async () => {
      const s = (await custom.getNamespacedCustomObject({
        ...api,
        plural: 'statesnapshots',
        namespace: ns,
        name: 'daily',
      })) as StateSnapshot;
      return s.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? s : undefined;
    });
    assert.equal(o.spec.keep, 7, 'keep defaulted');
    const id = o.status!.lastSnapshot!.id;
    assert.deepEqual(
      (await listSnapshots(store, tenant)).map((m) => m.id),
      [id],
    );
    const snapshot = await readSnapshot(store, tenant, id);
    assert.ok(snapshot.objects.some((x) => x.kind === 'StateSnapshot' && x.metadata.name === 'daily'));
    const plan = await planRestore(kc, snapshot);
    assert.ok(
      plan.entries.every((e) => e.action === 'unchanged'),
      JSON.stringify(plan.entries),
    );
  });
});
