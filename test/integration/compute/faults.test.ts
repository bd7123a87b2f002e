// Faults the user must be able to read from status: a zone outage in the simulator, a subnet with no
// addresses left, a spec that cannot be satisfied. Each shows as a condition that says what is wrong.
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import type { Compute } from '../../../crds/schemas/compute.ts';
import type { Network } from '../../../crds/schemas/network.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import {
  computeManifest,
  condition,
  create,
  createNamespace,
  deleteNamespace,
  inPhase,
  networkManifest,
  read,
  simulator,
  waitFor,
  removeInfra,
} from '../../support/infra.ts';

describe('integration: faults shown in Compute status', function () {
  this.timeout(240_000);
  const kc: k8s.KubeConfig = adminConfig();
  const ns = uniqueName('tenant-faults');
  const computes: string[] = [];
  let op: OperatorProcess;

  before(async () => {
    installCrds();
    await simulator.clearFaults();
    await createNamespace(kc, ns);
    op = await startOperator(uniqueName('faults-op'), {
      OMNICLOUD_LEADER_ELECTION: 'false',
      OMNICLOUD_OBSERVE_INTERVAL_MS: '1000',
    });
    await create(
      kc,
      networkManifest(ns, 'net', {
        subnets: [
          { name: 'c', zone: 'eu-west-1c', prefixLength: 24 },
          { name: 'tiny', zone: 'eu-west-1b', prefixLength: 28 },
        ],
      }),
    );
    await waitFor<Network>(kc, 'networks', ns, 'net', 'Ready', inPhase('Ready'));
  });
  after(async () => {
    await simulator.clearFaults();
    await removeInfra(kc, ns, computes);
    await op?.stop();
    await deleteNamespace(kc, ns);
  });

  it('a zone outage marks its instances Failed and Degraded, saying which zone; recovery brings them back', async () => {
    computes.push('in-c');
    await create(kc, computeManifest(ns, 'in-c', { subnet: 'c' }));
    await waitFor<Compute>(kc, 'computes', ns, 'in-c', 'Running', inPhase('Running'));
    await simulator.faults({ zone: 'eu-west-1c', down: true });
    const failed = await waitFor<Compute>(kc, 'computes', ns, 'in-c', 'Failed', inPhase('Failed'), 60_000);
    const degraded = condition(failed, 'Degraded');
    assert.equal(degraded?.status, 'True');
    assert.equal(degraded?.reason, 'ZoneOutage');
    assert.match(degraded!.message, /zone eu-west-1c is down/);
    assert.equal(condition(failed, 'Ready')?.status, 'False');
    assert.match(condition(failed, 'Ready')!.message, /zone eu-west-1c is down/);
    assert.ok(failed.status?.hostId, 'the instance keeps its host: it was not lost, only unreachable');

    await simulator.faults({ zone: 'eu-west-1c', down: false });
    const back = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'in-c',
      'Running again',
      inPhase('Running'),
      60_000,
    );
    assert.equal(condition(back, 'Degraded')?.status, 'False');
    assert.equal(condition(back, 'Ready')?.status, 'True');
    assert.equal(back.status?.hostId, failed.status?.hostId);
  });

  it('a subnet with no address left holds the extra instance back with AddressesExhausted', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `t${i}`);
    computes.push(...names);
    for (const name of names) await create(kc, computeManifest(ns, name, { subnet: 'tiny' }));
    const settled = await eventually(
      '11 running and 1 held back',
      async () => {
        const all = await Promise.all(names.map((n) => read<Compute>(kc, 'computes', ns, n)));
        const running = all.filter((c) => c?.status?.phase === 'Running');
        const held = all.filter((c) => condition(c, 'Scheduled')?.reason === 'AddressesExhausted');
        return running.length === 11 && held.length === 1 ? { running, held } : undefined;
      },
      120_000,
    );
    assert.equal(new Set(settled.running.map((c) => c!.status!.privateIp)).size, 11);
    assert.match(
      condition(settled.held[0], 'Scheduled')!.message,
      /subnet tiny \(10\.\d+\.\d+\.\d+\/28\) has no free address: all 11 assignable addresses are in use/,
    );
    assert.equal(settled.held[0]!.status?.phase, 'Pending');
  });

  it('an instance whose subnet does not exist fails with a message naming the field', async () => {
    computes.push('nosubnet');
    await create(kc, computeManifest(ns, 'nosubnet', { subnet: 'missing' }));
    const c = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'nosubnet',
      'refused',
      (x) => condition(x, 'Ready')?.reason === 'InvalidSpec',
    );
    assert.match(condition(c, 'Ready')!.message, /spec\.subnet: network net has no subnet missing/);
  });
});
