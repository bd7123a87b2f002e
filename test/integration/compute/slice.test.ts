// The whole slice against the real stack: a Network and Computes applied to the API server come up on the
// cloud simulator through the operator, with addresses from the IPAM, hosts from the scheduler, every
// transition on Kafka and in the audit log; stopping and deleting give everything back.
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import type { Compute } from '../../../crds/schemas/compute.ts';
import type { Network } from '../../../crds/schemas/network.ts';
import { parseCidr, contains, parseIp, isAssignable } from '../../../controllers/network/ipam.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { migratedPool } from '../../support/databases.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import {
  computeManifest,
  condition,
  create,
  createNamespace,
  deleteNamespace,
  inPhase,
  networkManifest,
  patchSpec,
  read,
  remove,
  waitFor,
  removeInfra,
} from '../../support/infra.ts';

describe('integration: Network and Compute on the cloud simulator', function () {
  this.timeout(180_000);
  const kc: k8s.KubeConfig = adminConfig();
  const ns = uniqueName('tenant-slice');
  let op: OperatorProcess;
  let infra: pg.Pool;
  let audit: pg.Pool;

  before(async () => {
    installCrds();
    infra = await migratedPool('infra_db');
    audit = await migratedPool('audit_db');
    await createNamespace(kc, ns);
    op = await startOperator(uniqueName('slice-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
  });
  after(async () => {
    await removeInfra(kc, ns, ['web-1', 'web-2', 'web-3']);
    await op?.stop();
    await deleteNamespace(kc, ns);
    await Promise.all([infra?.end(), audit?.end()]);
  });

  it('allocates the network and its subnets and shows usage per subnet', async () => {
    await create(kc, networkManifest(ns, 'net'));
    const net = await waitFor<Network>(
      kc,
      'networks',
      ns,
      'net',
      'Ready',
      (n) => condition(n, 'Ready')?.status === 'True',
    );
    assert.equal(net.status?.phase, 'Ready');
    assert.match(net.status!.cidr!, /^10\.\d+\.0\.0\/16$/);
    assert.ok(net.status?.providerId?.startsWith('vpc-'));
    const subnets = net.status!.subnets!;
    assert.deepEqual(
      subnets.map((s) => [s.name, s.zone, s.usableAddresses]),
      [
        ['a', 'eu-west-1a', 251],
        ['b', 'eu-west-1b', 251],
      ],
    );
    for (const s of subnets) assert.ok(contains(parseCidr(net.status!.cidr!), parseCidr(s.cidr)));
    assert.equal(net.status?.observedGeneration, net.metadata.generation);
  });

  it('runs three instances of a spread group on three hosts, with addresses from their subnets', async () => {
    const group = { name: 'web', strategy: 'spread' as const };
    for (const [name, subnet] of [
      ['web-1', 'a'],
      ['web-2', 'a'],
      ['web-3', 'b'],
    ] as const) {
      await create(
        kc,
        computeManifest(
          ns,
          name,
          { subnet, placement: { affinity: [], antiAffinity: [], group } },
          { app: 'web' },
        ),
      );
    }
    const net = (await read<Network>(kc, 'networks', ns, 'net'))!;
    const running = await Promise.all(
      ['web-1', 'web-2', 'web-3'].map((n) =>
        waitFor<Compute>(kc, 'computes', ns, n, 'Running', inPhase('Running')),
      ),
    );
    assert.equal(new Set(running.map((c) => c.status!.hostId)).size, 3, 'a spread group never shares a host');
    for (const c of running) {
      const subnet = net.status!.subnets!.find((s) => s.name === c.spec.subnet)!;
      assert.equal(c.status!.zone, subnet.zone);
      assert.ok(
        isAssignable(parseCidr(subnet.cidr), parseIp(c.status!.privateIp!)),
        `${c.status!.privateIp} assignable in ${subnet.cidr}`,
      );
      assert.equal(condition(c, 'Ready')?.status, 'True');
      assert.equal(condition(c, 'Scheduled')?.reason, 'Placed');
      assert.ok(c.status!.providerId?.startsWith('i-'));
    }
    assert.equal(new Set(running.map((c) => c.status!.privateIp)).size, 3);
    const hosts = await infra.query<{ used_vcpu: number }>('SELECT used_vcpu FROM hosts WHERE id = ANY($1)', [
      running.map((c) => c.status!.hostId),
    ]);
    assert.ok(
      hosts.rows.every((h) => h.used_vcpu >= 1),
      'capacity is reserved on each host',
    );
  });

  it('records every transition, in order, in the audit log', async () => {
    const web1 = (await read<Compute>(kc, 'computes', ns, 'web-1'))!;
    const phases = await eventually('web-1 audited up to Running', async () => {
      const { rows } = await audit.query<{ to: string }>(
        "SELECT event->'data'->>'to' AS to FROM audit_log WHERE event->>'subject' = $1 ORDER BY seq",
        [web1.metadata.uid],
      );
      const list = rows.map((r) => r.to);
      return list.includes('Running') ? list : undefined;
    });
    assert.deepEqual(phases, ['Pending', 'Scheduled', 'Provisioning', 'Running']);
    const { rows } = await audit.query<{ event: Record<string, unknown> }>(
      "SELECT event FROM audit_log WHERE event->>'subject' = $1 ORDER BY seq LIMIT 1",
      [web1.metadata.uid],
    );
    const e = rows[0]!.event;
    assert.equal(e.specversion, '1.0');
    assert.equal(e.tenant, ns.replace(/^tenant-/, ''));
    assert.match(String(e.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(e.type, 'io.omnicloud.compute.pending');
  });

  it('stops and starts an instance on request', async () => {
    await patchSpec(kc, 'computes', ns, 'web-2', { powerState: 'Stopped' });
    const stopped = await waitFor<Compute>(kc, 'computes', ns, 'web-2', 'Stopped', inPhase('Stopped'));
    assert.equal(condition(stopped, 'Ready')?.reason, 'Stopped');
    await patchSpec(kc, 'computes', ns, 'web-2', { powerState: 'Running' });
    await waitFor<Compute>(kc, 'computes', ns, 'web-2', 'Running again', inPhase('Running'));
  });

  it('refuses to delete a network still in use, then deletes an instance and frees its address and capacity', async () => {
    const web3 = (await read<Compute>(kc, 'computes', ns, 'web-3'))!;
    const before = await infra.query<{ used_vcpu: number }>('SELECT used_vcpu FROM hosts WHERE id = $1', [
      web3.status!.hostId,
    ]);
    await remove(kc, 'computes', ns, 'web-3');
    await eventually('web-3 gone', async () =>
      (await read(kc, 'computes', ns, 'web-3')) ? undefined : true,
    );
    const after = await infra.query<{ used_vcpu: number }>('SELECT used_vcpu FROM hosts WHERE id = $1', [
      web3.status!.hostId,
    ]);
    assert.equal(after.rows[0]!.used_vcpu, before.rows[0]!.used_vcpu - 1);
    const addr = await infra.query('SELECT 1 FROM addresses WHERE owner_uid = $1', [web3.metadata.uid]);
    assert.equal(addr.rowCount, 0, 'the address is released');
    const row = await infra.query<{ phase: string }>('SELECT phase FROM instances WHERE uid = $1', [
      web3.metadata.uid,
    ]);
    assert.equal(row.rows[0]!.phase, 'Terminated');

    await remove(kc, 'networks', ns, 'net');
    const held = await waitFor<Network>(
      kc,
      'networks',
      ns,
      'net',
      'deletion held back',
      (n) => condition(n, 'Ready')?.reason === 'InUse',
    );
    assert.match(
      condition(held, 'Ready')!.message,
      /2 instance\(s\) still hold addresses in this network; delete them first/,
    );
  });
});
