// A Network's status follows the addresses its instances take and give back within one reconcile, without
// waiting for a resync: each Compute that changes wakes its network.
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import type { Compute } from '../../../crds/schemas/compute.ts';
import type { Network } from '../../../crds/schemas/network.ts';
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

describe('integration: Network address usage', function () {
  this.timeout(300_000);
  const kc: k8s.KubeConfig = adminConfig();
  const ns = uniqueName('tenant-usage');
  const names = Array.from({ length: 11 }, (_, i) => `vm-${i}`);
  let op: OperatorProcess;

  const allocated = async (subnet: string): Promise<number | undefined> =>
    (await read<Network>(kc, 'networks', ns, 'net'))?.status?.subnets?.find((s) => s.name === subnet)
      ?.allocatedAddresses;

  before(async () => {
    installCrds();
    await createNamespace(kc, ns);
    op = await startOperator(uniqueName('usage-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    await create(
      kc,
      networkManifest(ns, 'net', { subnets: [{ name: 'tiny', zone: 'eu-west-1b', prefixLength: 28 }] }),
    );
    await waitFor<Network>(kc, 'networks', ns, 'net', 'Ready', inPhase('Ready'));
  });
  after(async () => {
    await removeInfra(kc, ns, names);
    await op?.stop();
    await deleteNamespace(kc, ns);
  });

  it('counts the addresses of 11 instances as they take them, and the ones given back', async () => {
    assert.equal(await allocated('tiny'), 0);
    for (const name of names) await create(kc, computeManifest(ns, name, { subnet: 'tiny' }));
    await eventually(
      '11 instances running',
      async () => {
        const all = await Promise.all(names.map((n) => read<Compute>(kc, 'computes', ns, n)));
        return all.every((c) => c?.status?.phase === 'Running') ? true : undefined;
      },
      180_000,
    );
    // The last address was taken moments ago; the network shows it without a resync (10 minutes away).
    await eventually(
      'allocatedAddresses 11',
      async () => ((await allocated('tiny')) === 11 ? true : undefined),
      15_000,
    );

    for (const name of names.slice(0, 4)) await remove(kc, 'computes', ns, name);
    await eventually(
      'allocatedAddresses 7 once 4 instances are deleted',
      async () => ((await allocated('tiny')) === 7 ? true : undefined),
      60_000,
    );
  });
});
