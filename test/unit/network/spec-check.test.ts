// The Network controller's spec check: the webhook's rules, a recorded network standing for the old object.
import assert from 'node:assert/strict';
import { networkSpecProblems, recordedSpec } from '../../../controllers/network/spec-check.ts';
import type { RecordedNetwork } from '../../../controllers/network/store.ts';
import type { NetworkSpec } from '../../../crds/schemas/network.ts';

const net = (spec: Partial<NetworkSpec>, name = 'main') => ({
  metadata: { name },
  spec: {
    region: 'eu-west-1',
    cidr: '10.1.0.0/16',
    subnets: [{ name: 'a', zone: 'eu-west-1a', cidr: '10.1.0.0/24' }],
    ...spec,
  },
});
const explicit: RecordedNetwork = {
  region: 'eu-west-1',
  cidr: '10.1.0.0/16',
  subnets: [{ name: 'a', zone: 'eu-west-1a', cidr: '10.1.0.0/24' }],
};
/** What the IPAM records for `prefixLength: 16` with one /24 subnet a. */
const allocated: RecordedNetwork = {
  region: 'eu-west-1',
  cidr: '10.4.0.0/16',
  subnets: [{ name: 'a', zone: 'eu-west-1a', cidr: '10.4.0.0/24' }],
};
const bySize = (spec: Partial<NetworkSpec> = {}) =>
  net({
    cidr: undefined,
    prefixLength: 16,
    subnets: [{ name: 'a', zone: 'eu-west-1a', prefixLength: 24 }],
    ...spec,
  });
const said = (problems: { field: string; message: string }[]) =>
  problems.map((p) => `${p.field}: ${p.message}`).join('\n');

describe('unit: Network spec check', () => {
  it('judges a spec with nothing recorded as the webhook judges a create', () => {
    assert.deepEqual(networkSpecProblems(net({})), []);
    assert.match(
      said(networkSpecProblems(net({ subnets: [{ name: 'a', zone: 'us-east-1a', prefixLength: 24 }] }))),
      /^spec\.subnets\[0\]\.zone: zone us-east-1a is not in region eu-west-1/m,
    );
    assert.match(said(networkSpecProblems(net({ peerings: [{ network: 'main' }] }))), /^spec\.peerings: /m);
  });

  it('finds nothing changed when the spec is what was recorded, an allocated range included', () => {
    assert.deepEqual(networkSpecProblems(net({}), explicit), []);
    assert.deepEqual(networkSpecProblems(bySize(), allocated), []);
  });

  it('names a changed CIDR with the recorded one', () => {
    const moved = net({
      cidr: '10.2.0.0/16',
      subnets: [{ name: 'a', zone: 'eu-west-1a', cidr: '10.2.0.0/24' }],
    });
    assert.match(
      said(networkSpecProblems(moved, explicit)),
      /^spec\.cidr: is immutable \(was 10\.1\.0\.0\/16\)/m,
    );
    // An explicit range asked of a network whose range was allocated: named with the allocated one.
    assert.match(
      said(networkSpecProblems(bySize({ cidr: '10.9.0.0/16', prefixLength: undefined }), allocated)),
      /^spec\.cidr: is immutable \(was 10\.4\.0\.0\/16\)/m,
    );
  });

  it('names a changed size, a moved or removed subnet, and lets a subnet be added', () => {
    assert.match(
      said(networkSpecProblems(bySize({ prefixLength: 20 }), allocated)),
      /^spec\.prefixLength: is immutable \(was 16\)/m,
    );
    assert.match(
      said(
        networkSpecProblems(
          bySize({ subnets: [{ name: 'a', zone: 'eu-west-1b', prefixLength: 24 }] }),
          allocated,
        ),
      ),
      /^spec\.subnets\[0\]: subnet a's zone, cidr and prefixLength are immutable/m,
    );
    assert.match(
      said(
        networkSpecProblems(
          bySize({ subnets: [{ name: 'b', zone: 'eu-west-1b', prefixLength: 24 }] }),
          allocated,
        ),
      ),
      /^spec\.subnets: subnet a cannot be removed/m,
    );
    const added = bySize({
      subnets: [
        { name: 'a', zone: 'eu-west-1a', prefixLength: 24 },
        { name: 'b', zone: 'eu-west-1b', prefixLength: 24 },
      ],
    });
    assert.deepEqual(networkSpecProblems(added, allocated), []);
  });

  it('says a recorded range no prefix length can stand for as the range itself', () => {
    const small: RecordedNetwork = { ...explicit, cidr: '10.1.0.0/29', subnets: [] };
    const spec = recordedSpec(bySize({ prefixLength: 16 }).spec as NetworkSpec, small);
    assert.equal(spec.cidr, '10.1.0.0/29');
    assert.equal(spec.prefixLength, undefined);
  });
});
