// Deleting a Compute always completes and gives everything back in infra_db, whatever became of the instance:
// deleted at the provider behind the operator's back, or never created because its spec could not be acted on.
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import type { Compute } from '../../../crds/schemas/compute.ts';
import type { Network } from '../../../crds/schemas/network.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { migratedPool } from '../../support/databases.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import {
  computeManifest,
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
    op = await startOperator(uniqueName('del-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
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
});
