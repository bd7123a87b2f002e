// The benchmarks' check that they run alone, against the real API server and a real operator process: a
// Lease renewed by someone is a live holder and one left behind is not; an operator run without leader
// election (in no Lease) is found among this machine's processes, named with its pid, and gone once stopped.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { micro } from '../../../operator/leader.ts';
import { liveLeaseHolder, operatorProcesses, refusal } from '../../../bench/support/other-operators.ts';
import { adminConfig, uniqueName } from '../../support/kube.ts';
import { createNamespace, deleteNamespace } from '../../support/infra.ts';
import { startOperator, type OperatorProcess } from '../../support/operator.ts';

const leases = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };

describe('bench: finding another operator', function () {
  this.timeout(120_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const server = kc.getCurrentCluster()!.server;
  const ns = uniqueName('bench-alone');
  let op: OperatorProcess | undefined;
  let renewing: NodeJS.Timeout | undefined;

  before(() => createNamespace(kc, ns));
  after(async () => {
    clearInterval(renewing);
    await op?.stop();
    await deleteNamespace(kc, ns);
  });

  const putLease = (name: string, holder: string, durationSeconds: number) =>
    custom.createNamespacedCustomObject({
      ...leases,
      namespace: ns,
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name },
        spec: { holderIdentity: holder, leaseDurationSeconds: durationSeconds, renewTime: micro(new Date()) },
      },
    });

  it('no Lease: no holder', async () => {
    assert.equal(await liveLeaseHolder(kc, ns, 'absent'), undefined);
  });

  it('a Lease its holder keeps renewing has a live holder', async () => {
    await putLease('renewed', 'replica-a', 15);
    renewing = setInterval(() => {
      void custom
        .patchNamespacedCustomObject(
          { ...leases, namespace: ns, name: 'renewed', body: { spec: { renewTime: micro(new Date()) } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        )
        .catch(() => undefined);
    }, 500);
    const holder = await liveLeaseHolder(kc, ns, 'renewed');
    assert.equal(holder?.holder, 'replica-a');
    assert.ok(holder.renewals >= 1);
    clearInterval(renewing);
  });

  it('a Lease nobody renews is free once its duration has passed on this clock', async () => {
    await putLease('abandoned', 'replica-gone', 2);
    const started = performance.now();
    assert.equal(await liveLeaseHolder(kc, ns, 'abandoned'), undefined);
    assert.ok(performance.now() - started >= 2000, 'judged by watching it, not by its renewTime');
  });

  it('an operator without leader election is found by its process, and no longer once stopped', async () => {
    op = await startOperator(uniqueName('bench-alone-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    // The test's own children are looked at as another process's would be.
    const found = operatorProcesses(server, null).find((p) => p.pid === op!.child.pid);
    assert.ok(found, `operator pid ${op.child.pid} not found`);
    assert.equal(found.leaderElection, false);
    assert.equal(found.identity, op.identity);
    assert.match(
      refusal('compute-e2e', server, { namespace: ns, name: 'x' }, [found]),
      new RegExp(`kill ${op.child.pid} `),
    );
    // Our own operator, as a benchmark sees its child: not another one.
    assert.ok(!operatorProcesses(server).some((p) => p.pid === op!.child.pid));
    await op.stop();
    assert.ok(!operatorProcesses(server, null).some((p) => p.pid === op!.child.pid));
  });
});
