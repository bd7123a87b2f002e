// A Network refused because its range overlaps another's is allocated as soon as that other network is gone,
// not at its next periodic re-check, and its message never names a network that no longer exists.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import type { Network } from '../../../crds/schemas/network.ts';
import { migratedPool } from '../../support/databases.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import {
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

describe('integration: Networks refused for an overlapping range', function () {
  this.timeout(240_000);
  const kc: k8s.KubeConfig = adminConfig();
  const ns = uniqueName('tenant-overlap');
  let op: OperatorProcess;
  let infra: pg.Pool;
  const ghost = randomUUID();

  const explicit = (name: string, cidr: string) =>
    networkManifest(ns, name, {
      cidr,
      prefixLength: undefined,
      subnets: [{ name: 'a', zone: 'eu-west-1a', prefixLength: 24 }],
    });
  const refusedFor = (reason: string) => (n: Network) => condition(n, 'Ready')?.reason === reason;

  before(async () => {
    installCrds();
    infra = await migratedPool('infra_db', 2);
    await createNamespace(kc, ns);
    op = await startOperator(uniqueName('overlap-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
  });
  after(async () => {
    await infra?.query('DELETE FROM networks WHERE uid = $1', [ghost]);
    await removeInfra(kc, ns, [], ['first', 'second', 'third']);
    await op?.stop();
    await deleteNamespace(kc, ns);
    await infra?.end();
  });

  it('allocates the refused network as soon as the one it overlapped is deleted', async () => {
    await create(kc, explicit('first', '10.77.0.0/16'));
    await waitFor<Network>(kc, 'networks', ns, 'first', 'Ready', inPhase('Ready'));
    await create(kc, explicit('second', '10.77.0.0/16'));
    const refused = await waitFor<Network>(kc, 'networks', ns, 'second', 'Overlap', refusedFor('Overlap'));
    assert.match(
      condition(refused, 'Ready')!.message,
      /10\.77\.0\.0\/16 overlaps network first \(10\.77\.0\.0\/16\)/,
    );

    await remove(kc, 'networks', ns, 'first');
    await eventually('first gone', async () =>
      (await read(kc, 'networks', ns, 'first')) ? undefined : true,
    );
    // The periodic re-check is a minute away: being woken by the deletion is what makes this quick.
    const ready = await waitFor<Network>(kc, 'networks', ns, 'second', 'Ready', inPhase('Ready'), 20_000);
    assert.equal(ready.status?.cidr, '10.77.0.0/16');
  });

  it('never names a network that no longer exists, even when its range is still recorded', async () => {
    // A range left in infra_db by a network deleted without giving it back.
    await infra.query(
      "INSERT INTO networks (uid, scope, name, region, cidr, phase) VALUES ($1, $2, 'ghost', 'eu-west-1', '10.78.0.0/16', 'Ready')",
      [ghost, ns],
    );
    await create(kc, explicit('third', '10.78.0.0/16'));
    const refused = await waitFor<Network>(kc, 'networks', ns, 'third', 'Overlap', refusedFor('Overlap'));
    const message = condition(refused, 'Ready')!.message;
    assert.doesNotMatch(message, /ghost/);
    assert.match(
      message,
      /10\.78\.0\.0\/16 overlaps 10\.78\.0\.0\/16, still held in infra_db by a network that no longer exists/,
    );
  });
});
