// What a Network shows on the managed reconciler: a pure function of its row (with subnet usage and peers) and
// the problem the reconcile found; and the pure parts of its steps: the create token and the missing subnets.
import assert from 'node:assert/strict';
import { networkSpecSchema, type Network } from '../../../crds/schemas/network.ts';
import type { ManagedNetwork } from '../../../controllers/network/row.ts';
import { NetworkReasons, networkStatusOf } from '../../../controllers/network/status.ts';
import { createToken, missingSubnets } from '../../../controllers/network/steps.ts';

const now = new Date('2026-12-02T10:00:00Z');
const obj = (extra: Partial<Network['spec']> = {}, deleting = false): Network => ({
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Network',
  metadata: {
    name: 'net',
    namespace: 'tenant-a',
    uid: 'u',
    generation: 2,
    ...(deleting ? { deletionTimestamp: now } : {}),
  },
  spec: networkSpecSchema.parse({
    region: 'eu-west-1',
    cidr: '10.1.0.0/16',
    subnets: [{ name: 'a', zone: 'eu-west-1a', prefixLength: 24 }],
    ...extra,
  }),
});
const row = (over: Partial<ManagedNetwork> = {}): ManagedNetwork => ({
  uid: 'u',
  scope: 'tenant-a',
  name: 'net',
  region: 'eu-west-1',
  cidr: '10.1.0.0/16',
  phase: 'Ready',
  provider_id: 'vpc-1',
  operation_id: 'op-1',
  create_attempt: 0,
  updated_at: now,
  subnets: [
    { name: 'a', zone: 'eu-west-1a', cidr: '10.1.0.0/24', usableAddresses: 251, allocatedAddresses: 3 },
  ],
  ...over,
});
type Status = ReturnType<typeof networkStatusOf>;
const cond = (s: Status, type: string) => s.conditions?.find((c) => c.type === type);

describe('unit: Network status', () => {
  it('Ready with its range, provider id and the usage of each subnet', () => {
    const s = networkStatusOf(obj(), row(), undefined, now);
    assert.equal(s.phase, 'Ready');
    assert.equal(s.observedGeneration, 2);
    assert.deepEqual([s.cidr, s.providerId], ['10.1.0.0/16', 'vpc-1']);
    assert.deepEqual(s.subnets, [
      { name: 'a', zone: 'eu-west-1a', cidr: '10.1.0.0/24', usableAddresses: 251, allocatedAddresses: 3 },
    ]);
    assert.deepEqual(
      [cond(s, 'Ready')?.status, cond(s, 'Ready')?.reason, cond(s, 'Ready')?.message],
      ['True', NetworkReasons.Available, 'network 10.1.0.0/16 is available in eu-west-1'],
    );
    assert.equal(cond(s, 'Degraded')?.status, 'False');
    assert.equal(cond(s, 'Peered'), undefined, 'no peering asked, no Peered condition');
  });

  it('Provisioning while the range is recorded and the provider is creating it', () => {
    for (const phase of ['Allocating', 'Provisioning'] as const) {
      const s = networkStatusOf(obj(), row({ phase, provider_id: null }), undefined, now);
      assert.equal(s.phase, 'Provisioning');
      assert.equal(s.providerId, undefined);
      assert.deepEqual([cond(s, 'Ready')?.status, cond(s, 'Ready')?.reason], ['False', 'Provisioning']);
    }
  });

  it('Failed with nothing recorded when the range is refused, degraded with the refusal', () => {
    const problem = {
      reason: NetworkReasons.Overlap,
      message: '10.1.0.0/16 overlaps network other (10.1.0.0/16)',
    };
    const s = networkStatusOf(obj(), undefined, problem, now);
    assert.equal(s.phase, 'Failed');
    assert.equal(s.cidr, undefined);
    assert.deepEqual(
      [cond(s, 'Ready')?.reason, cond(s, 'Ready')?.message],
      [problem.reason, problem.message],
    );
    assert.deepEqual([cond(s, 'Degraded')?.status, cond(s, 'Degraded')?.reason], ['True', 'Overlap']);
  });

  it('Pending with nothing recorded while the provider is away, Failed for a refused claim', () => {
    const away = { reason: NetworkReasons.ProviderUnavailable, message: 'the cloud provider is unavailable' };
    assert.equal(networkStatusOf(obj(), undefined, away, now).phase, 'Pending');
    assert.equal(networkStatusOf(obj(), undefined, undefined, now).phase, 'Pending');
    const claimed = {
      reason: 'AlreadyClaimed',
      message: 'vpc-1 is already managed by Network tenant-a/first',
    };
    const s = networkStatusOf(obj(), undefined, claimed, now);
    assert.equal(s.phase, 'Failed');
    assert.equal(cond(s, 'Degraded')?.reason, 'AlreadyClaimed');
  });

  it('keeps the phase it has beside an invalid spec, with the problem on Ready', () => {
    const invalid = {
      reason: NetworkReasons.InvalidSpec,
      message: 'spec.cidr: is immutable (was 10.1.0.0/16)',
    };
    const s = networkStatusOf(obj(), row(), invalid, now);
    assert.equal(s.phase, 'Ready');
    assert.deepEqual([cond(s, 'Ready')?.status, cond(s, 'Ready')?.reason], ['False', 'InvalidSpec']);
  });

  it('Deleting once the object is being deleted; InUse holds it back without a fault', () => {
    const inUse = {
      reason: NetworkReasons.InUse,
      message: 'cannot delete yet: 2 instance(s) still hold addresses',
    };
    const s = networkStatusOf(obj({}, true), row(), inUse, now);
    assert.equal(s.phase, 'Deleting');
    assert.deepEqual([cond(s, 'Ready')?.reason, cond(s, 'Ready')?.message], [inUse.reason, inUse.message]);
    assert.equal(cond(s, 'Degraded')?.status, 'False');
  });

  it('says which peers are not Ready, and when all are', () => {
    const peered = obj({ peerings: [{ network: 'hub' }, { network: 'spoke' }] });
    const missing = networkStatusOf(peered, row({ missingPeers: ['spoke'] }), undefined, now);
    assert.deepEqual(
      [cond(missing, 'Peered')?.status, cond(missing, 'Peered')?.reason],
      ['False', 'PeerNotFound'],
    );
    assert.match(cond(missing, 'Peered')!.message, /: spoke$/);
    const all = networkStatusOf(peered, row({ missingPeers: [] }), undefined, now);
    assert.deepEqual(
      [cond(all, 'Peered')?.status, cond(all, 'Peered')?.message],
      ['True', 'peered with hub, spoke'],
    );
  });
});

describe('unit: Network steps, pure parts', () => {
  it('keeps the uid alone as the first create token, and gives every later attempt its own', () => {
    assert.equal(createToken({ uid: 'u', create_attempt: 0 }), 'u');
    assert.equal(createToken({ uid: 'u', create_attempt: 1 }), 'u:create:1');
    assert.notEqual(
      createToken({ uid: 'u', create_attempt: 2 }),
      createToken({ uid: 'u', create_attempt: 1 }),
    );
  });

  it('names the subnets of the spec that infra_db does not hold yet', () => {
    const spec = obj({
      subnets: [
        { name: 'a', zone: 'eu-west-1a', prefixLength: 24 },
        { name: 'b', zone: 'eu-west-1b', prefixLength: 24 },
      ],
    }).spec;
    assert.deepEqual(missingSubnets(spec, row()), ['b']);
    assert.deepEqual(missingSubnets(obj().spec, row()), []);
  });
});
