// Deleting a Compute always completes and gives everything back in infra_db, whatever became of the instance:
// deleted at the provider behind the operator's back, or never created because its spec could not be acted on.
// A spec the controller cannot act on is shown once as InvalidSpec, and takes nothing.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import { computeKind, type Compute } from '../../../crds/schemas/compute.ts';
import type { Network } from '../../../crds/schemas/network.ts';
import {
  withTransaction,
  recordPending,
  reserveHost,
  transition,
} from '../../../controllers/compute/store.ts';
import { allocateAddress, findNetworkByName } from '../../../controllers/network/store.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { migratedPool } from '../../support/databases.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { laterRules, underOlderRules } from '../../support/older-crds.ts';
import {
  computeManifest,
  condition,
  create,
  createNamespace,
  deleteNamespace,
  inPhase,
  networkManifest,
  read,
  remove,
  removeInfra,
  waitFor,
} from '../../support/infra.ts';

/** What infra_db holds for an instance: its row, its address, and the vCPU reserved on a host. */
async function holdings(infra: pg.Pool, uid: string, hostId: string) {
  const row = await infra.query<{ phase: string; host_id: string | null; private_ip: string | null }>(
    'SELECT phase, host_id, host(private_ip) AS private_ip FROM instances WHERE uid = $1',
    [uid],
  );
  const address = await infra.query('SELECT 1 FROM addresses WHERE owner_uid = $1', [uid]);
  const host = await infra.query<{ used_vcpu: number }>('SELECT used_vcpu FROM hosts WHERE id = $1', [
    hostId,
  ]);
  return { row: row.rows[0], addresses: address.rowCount, usedVcpu: host.rows[0]?.used_vcpu };
}

async function providerCall(method: string, path: string, body?: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${endpoints().provider}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return (await res.json()) as Record<string, unknown>;
}

/** How many times the operator's compute controller has ended a reconcile on a terminal error. */
async function terminalReconciles(op: OperatorProcess): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${op.port}/metrics`)).text();
  const line = /omnicloud_reconcile_total\{controller="compute",result="terminal"\} (\d+)/.exec(text);
  return Number(line?.[1] ?? 0);
}

async function warnings(kc: k8s.KubeConfig, namespace: string, uid: string, reason: string): Promise<number> {
  const list = (await kc.makeApiClient(k8s.CustomObjectsApi).listNamespacedCustomObject({
    group: 'events.k8s.io',
    version: 'v1',
    plural: 'events',
    namespace,
  })) as { items: { reason?: string; regarding?: { uid?: string } }[] };
  return list.items.filter((e) => e.regarding?.uid === uid && e.reason === reason).length;
}

describe('integration: deleting a Compute', function () {
  this.timeout(240_000);
  const kc: k8s.KubeConfig = adminConfig();
  const ns = uniqueName('tenant-del');
  const computes: string[] = [];
  let op: OperatorProcess;
  let infra: pg.Pool;

  before(async () => {
    installCrds();
    infra = await migratedPool('infra_db', 2);
    await createNamespace(kc, ns);
    op = await startOperator(uniqueName('del-op'), {
      OMNICLOUD_LEADER_ELECTION: 'false',
      // Resyncs come often, so that a problem told once can be seen not to be told again.
      OMNICLOUD_RESYNC_MS: '10000',
    });
    await create(kc, networkManifest(ns, 'net'));
    await waitFor<Network>(kc, 'networks', ns, 'net', 'Ready', inPhase('Ready'));
  });
  after(async () => {
    await removeInfra(kc, ns, computes);
    await op?.stop();
    await deleteNamespace(kc, ns);
    await infra?.end();
  });

  it('completes when the instance was already deleted at the provider, releasing capacity and address', async () => {
    computes.push('vanished');
    await create(kc, computeManifest(ns, 'vanished'));
    const running = await waitFor<Compute>(kc, 'computes', ns, 'vanished', 'Running', inPhase('Running'));
    const { uid } = running.metadata;
    const hostId = running.status!.hostId!;
    const before = await holdings(infra, uid, hostId);
    assert.equal(before.addresses, 1);

    // Someone deletes the instance at the provider directly; the provider then answers 404 for it.
    const providerId = running.status!.providerId!;
    const deletion = await providerCall('DELETE', `/v1/instances/${providerId}`, {
      idempotencyToken: `out-of-band-${uid}`,
    });
    await eventually('the provider deleted the instance', async () => {
      const o = await providerCall('GET', `/v1/operations/${String(deletion.id)}`);
      return o.status === 'succeeded' ? true : undefined;
    });

    await remove(kc, 'computes', ns, 'vanished');
    await eventually(
      'the Compute gone',
      async () => ((await read(kc, 'computes', ns, 'vanished')) ? undefined : true),
      30_000,
    );
    const after = await holdings(infra, uid, hostId);
    assert.equal(after.row?.phase, 'Terminated');
    assert.equal(after.row?.host_id, null);
    assert.equal(after.row?.private_ip, null);
    assert.equal(after.addresses, 0, 'the address is released');
    assert.equal(after.usedVcpu, before.usedVcpu! - 1, 'the host capacity is released');
  });

  it('shows a spec it cannot act on once as InvalidSpec, takes nothing for it, and deletes it cleanly', async () => {
    computes.push('no-memory');
    const noMemory = computeManifest(ns, 'no-memory', { size: undefined, vcpu: 1, memory: '0' });
    // The CRD refuses such memory today; an object admitted before it did still reaches the controller.
    await underOlderRules(computeKind, laterRules.computeMemoryFloor, noMemory, () => create(kc, noMemory));
    const refused = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'no-memory',
      'InvalidSpec',
      (c) => condition(c, 'Ready')?.reason === 'InvalidSpec',
    );
    const ready = condition(refused, 'Ready')!;
    assert.equal(ready.status, 'False');
    assert.match(ready.message, /spec\.memory: 0 is below the 256Mi an instance needs; set at least 256Mi/);
    const { uid } = refused.metadata;
    const row = await infra.query('SELECT 1 FROM instances WHERE uid = $1', [uid]);
    assert.equal(row.rowCount, 0, 'no instance is recorded, so no host or address is taken');
    assert.equal((await infra.query('SELECT 1 FROM addresses WHERE owner_uid = $1', [uid])).rowCount, 0);

    // Two resyncs later the object has been reconciled again, and the problem was still told only once.
    const seen = await terminalReconciles(op);
    await eventually(
      'two more reconciles of the refused spec',
      async () => ((await terminalReconciles(op)) >= seen + 2 ? true : undefined),
      45_000,
    );
    assert.equal(await warnings(kc, ns, uid, 'InvalidSpec'), 1, 'one InvalidSpec event, not one per resync');

    await remove(kc, 'computes', ns, 'no-memory');
    await eventually(
      'the refused Compute gone',
      async () => ((await read(kc, 'computes', ns, 'no-memory')) ? undefined : true),
      30_000,
    );
  });

  it('deletes an older object left provisioning with a spec the provider refuses, releasing its host and address', async () => {
    // As an operator without the spec check left it: recorded, placed, an address taken, and a create the
    // provider refuses (no memory), so no operation and no instance at the provider.
    computes.push('old-no-memory');
    const spec = { size: undefined, vcpu: 1, memory: '0' };
    const manifest = computeManifest(ns, 'old-no-memory', spec) as { metadata: Record<string, unknown> };
    manifest.metadata.finalizers = ['omnicloud.io/compute-cleanup'];
    await underOlderRules(computeKind, laterRules.computeMemoryFloor, manifest, () => create(kc, manifest));
    const obj = (await read<Compute>(kc, 'computes', ns, 'old-no-memory'))!;
    const { uid } = obj.metadata;
    const hostId = 'eu-west-1a-h019';
    const network = (await findNetworkByName(infra, ns, 'net'))!;
    const tenant = ns.replace(/^tenant-/, '');
    const usedBefore = (await holdings(infra, uid, hostId)).usedVcpu!;
    await withTransaction(infra, async (c) => {
      const pending = await recordPending(
        c,
        {
          uid,
          namespace: ns,
          name: 'old-no-memory',
          region: 'eu-west-1',
          zone: null,
          vcpu: 1,
          memory_mib: 0,
          gpu: 0,
          labels: {},
          placement_group: null,
          placement_strategy: null,
          public_ip_requested: false,
        },
        tenant,
        new Date(),
      );
      await reserveHost(c, hostId, pending);
      const ip = await allocateAddress(c, network.uid, 'a', uid);
      const scheduled = await transition(
        c,
        pending,
        'Scheduled',
        { zone: 'eu-west-1a', host_id: hostId, private_ip: ip },
        tenant,
        new Date(),
      );
      await transition(c, scheduled, 'Provisioning', { operation_id: null }, tenant, new Date());
    });
    assert.equal((await holdings(infra, uid, hostId)).usedVcpu, usedBefore + 1);

    await remove(kc, 'computes', ns, 'old-no-memory');
    await eventually(
      'the older Compute gone',
      async () => ((await read(kc, 'computes', ns, 'old-no-memory')) ? undefined : true),
      30_000,
    );
    const after = await holdings(infra, uid, hostId);
    assert.equal(after.row?.phase, 'Terminated');
    assert.equal(after.row?.host_id, null);
    assert.equal(after.addresses, 0, 'the address is released');
    assert.equal(after.usedVcpu, usedBefore, 'the host capacity is released');
  });
});
