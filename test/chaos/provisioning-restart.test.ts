// Kill the operator (SIGKILL) while instances are being provisioned, then start another: every instance comes
// up once at the provider, every address is handed out once, and every transition reaches the audit log.
import assert from 'node:assert/strict';
import type pg from 'pg';
import type { Compute } from '../../crds/schemas/compute.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';
import { migratedPool } from '../support/databases.ts';
import { installCrds, startOperator, type OperatorProcess } from '../support/operator.ts';
import {
  computeManifest,
  create,
  createNamespace,
  deleteNamespace,
  inPhase,
  networkManifest,
  read,
  simulator,
  waitFor,
  removeInfra,
} from '../support/infra.ts';

interface SimInstance {
  id: string;
  state: string;
  createdWith?: string;
}

describe('chaos: operator killed mid-provisioning', function () {
  this.timeout(300_000);
  const kc = adminConfig();
  const ns = uniqueName('tenant-chaos');
  const names = Array.from({ length: 10 }, (_, i) => `vm-${i}`);
  let infra: pg.Pool;
  let audit: pg.Pool;
  let second: OperatorProcess | undefined;

  before(async () => {
    installCrds();
    infra = await migratedPool('infra_db');
    audit = await migratedPool('audit_db');
    await simulator.clearFaults();
    await createNamespace(kc, ns);
  });
  after(async () => {
    await simulator.clearFaults();
    second ??= await startOperator(uniqueName('chaos-cleaner'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    await removeInfra(kc, ns, names);
    await second.stop();
    await deleteNamespace(kc, ns);
    await Promise.all([infra?.end(), audit?.end()]);
  });

  it('converges with no duplicate instance, no leaked or shared address and no lost event', async () => {
    const first = await startOperator(uniqueName('chaos-prov-a'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    await create(kc, networkManifest(ns, 'net'));
    await waitFor(kc, 'networks', ns, 'net', 'Ready', inPhase('Ready'));
    // Slow provider operations keep instances in Provisioning long enough to be caught there.
    await simulator.faults({ slowMs: 2_500 });
    for (const n of names) await create(kc, computeManifest(ns, n, { subnet: n.endsWith('1') ? 'b' : 'a' }));
    await eventually('some instances provisioning', async () => {
      const all = await Promise.all(names.map((n) => read<Compute>(kc, 'computes', ns, n)));
      return all.filter((c) => c?.status?.phase === 'Provisioning').length >= 3 ? true : undefined;
    });
    await first.stop('SIGKILL');
    await simulator.clearFaults();

    second = await startOperator(uniqueName('chaos-prov-b'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    const running = await Promise.all(
      names.map((n) => waitFor<Compute>(kc, 'computes', ns, n, 'Running', inPhase('Running'), 120_000)),
    );

    const uids = running.map((c) => c.metadata.uid);
    const res = await fetch(`${endpoints().provider}/admin/instances`);
    const atProvider = ((await res.json()) as SimInstance[]).filter(
      (i) => uids.some((u) => i.createdWith?.startsWith(u)) && i.state !== 'terminated',
    );
    assert.equal(atProvider.length, names.length, 'one live instance per Compute at the provider');
    assert.deepEqual(new Set(atProvider.map((i) => i.id)), new Set(running.map((c) => c.status!.providerId)));

    const addresses = await infra.query<{ owner_uid: string; address: string }>(
      'SELECT owner_uid, host(address) AS address FROM addresses WHERE owner_uid = ANY($1::uuid[])',
      [uids],
    );
    assert.equal(addresses.rowCount, names.length, 'one address per instance, none leaked');
    assert.equal(new Set(addresses.rows.map((r) => r.address)).size, names.length);
    for (const c of running)
      assert.equal(addresses.rows.find((r) => r.owner_uid === c.metadata.uid)?.address, c.status!.privateIp);

    let last = '';
    await eventually(
      'every instance audited Pending, Scheduled, Provisioning, Running',
      async () => {
        const { rows } = await audit.query<{ subject: string; phases: string[] }>(
          "SELECT event->>'subject' AS subject, array_agg(event->'data'->>'to' ORDER BY seq) AS phases FROM audit_log WHERE event->>'subject' = ANY($1) GROUP BY 1",
          [uids],
        );
        last = JSON.stringify(rows.map((r) => r.phases));
        const complete = rows.filter(
          (r) =>
            JSON.stringify(r.phases) === JSON.stringify(['Pending', 'Scheduled', 'Provisioning', 'Running']),
        );
        return complete.length === names.length ? true : undefined;
      },
      120_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; audited so far: ${last}`);
    });
  });
});
