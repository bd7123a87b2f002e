// A Network whose spec is changed where nothing refuses the change (no webhook, a CRD installed before its
// rules): the controller names the immutable field with the range it recorded, keeps working from what it
// applied (its range, its subnets, addresses for instances) without taking the rest of the changed spec,
// and takes the spec again once it is one it can act on.
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { networkKind, type Network } from '../../../crds/schemas/network.ts';
import type { Compute } from '../../../crds/schemas/compute.ts';
import { adminConfig, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { underOlderRules } from '../../support/older-crds.ts';
import {
  computeManifest,
  condition,
  create,
  createNamespace,
  deleteNamespace,
  inPhase,
  networkManifest,
  patchSpec,
  removeInfra,
  waitFor,
} from '../../support/infra.ts';

describe('integration: a Network spec changed where nothing refuses it', function () {
  this.timeout(180_000);
  const kc: k8s.KubeConfig = adminConfig();
  const ns = uniqueName('tenant-recorded');
  let op: OperatorProcess;
  const subnet = (name: string, zone: string) => ({ name, zone, prefixLength: 24 });
  const withoutRules = (change: () => Promise<void>) =>
    underOlderRules(
      networkKind,
      () => true,
      networkManifest(ns, 'probe', { subnets: [subnet('a', 'us-east-1a')] }),
      change,
    );
  const current = (n: Network) =>
    condition(n, 'Ready') && n.status?.observedGeneration === n.metadata.generation;

  before(async () => {
    installCrds();
    await createNamespace(kc, ns);
    op = await startOperator(uniqueName('recorded-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
  });
  after(async () => {
    await removeInfra(kc, ns, ['vm']);
    await op?.stop();
    await deleteNamespace(kc, ns);
  });

  it('names the CIDR it recorded, keeps the network as applied, and takes the spec again once it can', async () => {
    const spec = { cidr: '10.77.0.0/16', prefixLength: undefined, subnets: [subnet('a', 'eu-west-1a')] };
    await create(kc, networkManifest(ns, 'net', spec));
    await waitFor<Network>(
      kc,
      'networks',
      ns,
      'net',
      'Ready',
      (n) => condition(n, 'Ready')?.status === 'True',
    );

    // A new range and a new subnet in one change; today's CRD would refuse it, the one without rules takes it.
    const moved = { cidr: '10.78.0.0/16', subnets: [subnet('a', 'eu-west-1a'), subnet('b', 'eu-west-1b')] };
    await withoutRules(() => patchSpec(kc, 'networks', ns, 'net', moved));
    const refused = await waitFor<Network>(
      kc,
      'networks',
      ns,
      'net',
      'InvalidSpec',
      (n) => !!current(n) && condition(n, 'Ready')?.reason === 'InvalidSpec',
    );
    assert.equal(condition(refused, 'Ready')?.status, 'False');
    assert.match(condition(refused, 'Ready')!.message, /spec\.cidr: is immutable \(was 10\.77\.0\.0\/16\)/);
    assert.equal(refused.status?.phase, 'Ready', 'the network stays as applied');
    assert.equal(refused.status?.cidr, '10.77.0.0/16');
    assert.deepEqual(
      refused.status?.subnets?.map((s) => s.name),
      ['a'],
      'nothing of the refused spec is taken, not even its new subnet',
    );

    // Still at work: an instance gets an address in the range and subnet that were applied.
    await create(kc, computeManifest(ns, 'vm', { subnet: 'a' }));
    const vm = await waitFor<Compute>(kc, 'computes', ns, 'vm', 'Running', inPhase('Running'));
    assert.match(vm.status!.privateIp!, /^10\.77\.0\./);

    // Back to the recorded range (today's CRD would refuse this change of spec.cidr too).
    await withoutRules(() => patchSpec(kc, 'networks', ns, 'net', { cidr: '10.77.0.0/16' }));
    const taken = await waitFor<Network>(
      kc,
      'networks',
      ns,
      'net',
      'Ready again, with subnet b',
      (n) => !!current(n) && condition(n, 'Ready')?.status === 'True',
    );
    assert.deepEqual(
      taken.status?.subnets?.map((s) => s.name),
      ['a', 'b'],
    );
  });
});
