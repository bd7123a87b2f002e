// Placement rules stay inside a tenant, through the API and a real operator: another tenant's cluster group
// of the same name neither holds an instance to its region nor shows in the refusal, and affinity neither
// follows another tenant's instances nor names where they run.
import assert from 'node:assert/strict';
import type { Compute } from '../../../crds/schemas/compute.ts';
import type { Network } from '../../../crds/schemas/network.ts';
import { migratedPool } from '../../support/databases.ts';
import { adminConfig, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { createReadyTenant, deleteTenants } from '../../support/tenants.ts';
import {
  computeManifest,
  condition,
  create,
  inPhase,
  networkManifest,
  removeInfra,
  waitFor,
} from '../../support/infra.ts';

describe('integration: placement rules are scoped to the tenant', function () {
  this.timeout(300_000);
  const kc = adminConfig();
  const [a, b] = [uniqueName('iso-a'), uniqueName('iso-b')];
  const [nsA, nsB] = [`tenant-${a}`, `tenant-${b}`];
  // Names no other test uses, so that only these two tenants could ever share them.
  const group = { name: uniqueName('db'), strategy: 'cluster' as const };
  const app = uniqueName('app');
  let op: OperatorProcess;

  before(async () => {
    installCrds();
    op = await startOperator(uniqueName('iso-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    await Promise.all([createReadyTenant(kc, a), createReadyTenant(kc, b)]);
    await create(
      kc,
      networkManifest(nsA, 'net', {
        region: 'us-east-1',
        subnets: [{ name: 'a', zone: 'us-east-1a', prefixLength: 24 }],
      }),
    );
    await create(kc, networkManifest(nsB, 'net'));
    await Promise.all([
      waitFor<Network>(kc, 'networks', nsA, 'net', 'Ready', inPhase('Ready')),
      waitFor<Network>(kc, 'networks', nsB, 'net', 'Ready', inPhase('Ready')),
    ]);
  });
  after(async () => {
    await removeInfra(kc, nsA, ['a-db', 'a-app']);
    await removeInfra(kc, nsB, ['b-db', 'b-follower', 'b-lonely']);
    await deleteTenants(kc, [a, b], false, 120_000);
    await op?.stop();
  });

  it("starts tenant b's cluster group in eu-west-1 although tenant a's group of that name runs in us-east-1", async () => {
    await create(
      kc,
      computeManifest(nsA, 'a-db', {
        region: 'us-east-1',
        placement: { affinity: [], antiAffinity: [], group },
      }),
    );
    const aDb = await waitFor<Compute>(kc, 'computes', nsA, 'a-db', 'Running', inPhase('Running'), 90_000);
    assert.equal(aDb.status?.zone, 'us-east-1a');

    await create(kc, computeManifest(nsB, 'b-db', { placement: { affinity: [], antiAffinity: [], group } }));
    const bDb = await waitFor<Compute>(
      kc,
      'computes',
      nsB,
      'b-db',
      'Running, or refused for its group',
      (c) =>
        c.status?.phase === 'Running' || condition(c, 'Scheduled')?.reason === 'PlacementGroupUnsatisfiable',
      90_000,
    );
    const refusal = condition(bDb, 'Scheduled');
    assert.equal(bDb.status?.phase, 'Running', `${refusal?.reason}: ${refusal?.message}`);
    assert.equal(bDb.status?.zone, 'eu-west-1a');
  });

  it("does not follow affinity to another tenant's instances, nor say where they run", async () => {
    await create(kc, computeManifest(nsA, 'a-app', { region: 'us-east-1' }, { app }));
    await waitFor<Compute>(kc, 'computes', nsA, 'a-app', 'Running', inPhase('Running'), 90_000);

    await create(
      kc,
      computeManifest(nsB, 'b-follower', { placement: { affinity: [{ app }], antiAffinity: [] } }),
    );
    const follower = await waitFor<Compute>(
      kc,
      'computes',
      nsB,
      'b-follower',
      'refused for affinity',
      (c) => condition(c, 'Scheduled')?.reason === 'AffinityUnsatisfiable',
      90_000,
    );
    const message = condition(follower, 'Scheduled')!.message;
    assert.doesNotMatch(message, /us-east-1/, message);
    assert.match(message, /no instance matches it/);
    assert.equal(follower.status?.phase, 'Pending');
  });

  it('records the anti-affinity an instance was placed with, for the indexes rebuilt from infra_db', async () => {
    const antiAffinity: Record<string, string>[] = [{ app }, { tier: 'batch' }];
    await create(kc, computeManifest(nsB, 'b-lonely', { placement: { affinity: [], antiAffinity } }));
    const lonely = await waitFor<Compute>(
      kc,
      'computes',
      nsB,
      'b-lonely',
      'Running',
      inPhase('Running'),
      90_000,
    );
    const pool = await migratedPool('infra_db', 1);
    try {
      const { rows } = await pool.query<{ anti_affinity: unknown }>(
        'SELECT anti_affinity FROM instances WHERE uid = $1',
        [lonely.metadata.uid],
      );
      assert.deepEqual(rows[0]?.anti_affinity, antiAffinity);
    } finally {
      await pool.end();
    }
  });
});
