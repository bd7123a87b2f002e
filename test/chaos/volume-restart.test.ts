// Kill the operator (SIGKILL) while volumes are being created, then start another: every volume exists once at
// the provider, with the size asked for, and every transition reaches the audit log once.
import assert from 'node:assert/strict';
import type pg from 'pg';
import type { Volume } from '../../crds/schemas/volume.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { migratedPool } from '../support/databases.ts';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../support/operator.ts';
import {
  create,
  createNamespace,
  deleteNamespace,
  inPhase,
  read,
  removeInfra,
  simulator,
  volumeManifest,
  waitFor,
} from '../support/infra.ts';

interface SimVolume {
  id: string;
  state: string;
  sizeGiB: number;
  createdWith?: string;
}

describe('chaos: operator killed while volumes are created', function () {
  this.timeout(300_000);
  const kc = adminConfig();
  const ns = uniqueName('tenant-chaos-vol');
  const names = Array.from({ length: 6 }, (_, i) => `vol-${i}`);
  let audit: pg.Pool;
  let second: OperatorProcess | undefined;

  before(async () => {
    installCrds();
    audit = await migratedPool('audit_db');
    await simulator.clearFaults();
    await createNamespace(kc, ns);
  });
  after(async () => {
    await simulator.clearFaults();
    second ??= await startOperator(uniqueName('chaos-vol-cleaner'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    await removeInfra(kc, ns, [], [], names);
    await second.stop();
    await deleteNamespace(kc, ns);
    await audit?.end();
  });

  it('converges with one volume per object at the provider and no lost or repeated event', async () => {
    const first = await startOperator(uniqueName('chaos-vol-a'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    // Slow provider operations keep volumes in Creating long enough to be caught there.
    await simulator.faults({ slowMs: 2_500 });
    for (const [i, n] of names.entries()) await create(kc, volumeManifest(ns, n, { sizeGiB: 10 + i }));
    await eventually('some volumes creating', async () => {
      const all = await Promise.all(names.map((n) => read<Volume>(kc, 'volumes', ns, n)));
      return all.filter((v) => v?.status?.phase === 'Creating').length >= 2 ? true : undefined;
    });
    await first.stop('SIGKILL');
    await simulator.clearFaults();

    second = await startOperator(uniqueName('chaos-vol-b'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    const available = await Promise.all(
      names.map((n) => waitFor<Volume>(kc, 'volumes', ns, n, 'Available', inPhase('Available'), 120_000)),
    );
    const uids = available.map((v) => v.metadata.uid);
    const res = await fetch(`${endpoints().provider}/admin/volumes`);
    const atProvider = ((await res.json()) as SimVolume[]).filter(
      (v) => uids.some((u) => v.createdWith?.startsWith(u)) && v.state !== 'deleted',
    );
    assert.equal(atProvider.length, names.length, 'one live volume per Volume at the provider');
    for (const v of available) {
      const mine = atProvider.find((p) => p.id === v.status!.providerId)!;
      assert.ok(mine, `${v.metadata.name} is the volume its status names`);
      assert.equal(mine.sizeGiB, v.spec.sizeGiB);
    }

    let last = '';
    await eventually(
      'every volume audited Pending, Creating, Available once each',
      async () => {
        const { rows } = await audit.query<{ phases: string[] }>(
          "SELECT array_agg(event->'data'->>'to' ORDER BY seq) AS phases FROM audit_log WHERE event->>'subject' = ANY($1) GROUP BY event->>'subject'",
          [uids],
        );
        last = JSON.stringify(rows.map((r) => r.phases));
        const complete = rows.filter(
          (r) => JSON.stringify(r.phases) === JSON.stringify(['Pending', 'Creating', 'Available']),
        );
        return complete.length === names.length ? true : undefined;
      },
      120_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; audited so far: ${last}`);
    });
  });
});
