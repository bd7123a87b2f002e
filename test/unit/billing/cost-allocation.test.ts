// Cost allocation from measured usage: each strategy, tenants deleted mid-period, exact totals.
import assert from 'node:assert/strict';
import { TerminalError } from '../../../operator/action.ts';
import { allocateShared } from '../../../controllers/cost-allocation/reconcile.ts';
import { measure } from '../../../controllers/cost-allocation/usage.ts';
import { Dec } from '../../../controllers/billing/domain/money.ts';
import type { CostAllocationSpec } from '../../../crds/schemas/cost-allocation.ts';
import type { MeteredEvent } from '../../../controllers/billing/usage.ts';

const period = { start: new Date('2026-10-01T00:00:00Z'), end: new Date('2026-11-01T00:00:00Z') };
const whole = (tenants: string[]) => new Map(tenants.map((t) => [t, period]));
const spec = (over: Partial<CostAllocationSpec>): CostAllocationSpec => ({
  month: '2026-10',
  currency: 'USD',
  sharedCosts: [{ name: 'control-plane', amount: '100.00' }],
  strategy: 'proportional',
  measure: 'vcpuHours',
  ...over,
});
const decimals = (m: Record<string, string>) => new Map(Object.entries(m).map(([k, v]) => [k, new Dec(v)]));
const measures = (
  vcpu: Record<string, string>,
  net: Record<string, string> = {},
  storage: Record<string, string> = {},
) => ({ vcpuHours: decimals(vcpu), networkHours: decimals(net), storageGiBHours: decimals(storage) });
const asText = (m: Map<string, { toFixed(n: number): string }>) =>
  Object.fromEntries([...m].map(([k, v]) => [k, v.toFixed(2)]));

describe('unit: cost allocation', () => {
  it('proportional to vCPU-hours, summing exactly (a third each rounds with the remainder placed)', () => {
    const { total, parts } = allocateShared(
      spec({}),
      measures({ a: '10', b: '10', c: '10' }),
      whole(['a', 'b', 'c']),
      period,
    );
    assert.equal(total.toFixed(2), '100.00');
    assert.deepEqual(asText(parts), { a: '33.34', b: '33.33', c: '33.33' });
  });
  it('a tenant with no usage pays nothing under proportional; with nobody using anything it is split equally', () => {
    assert.deepEqual(
      asText(allocateShared(spec({}), measures({ a: '5' }), whole(['a', 'b']), period).parts),
      { a: '100.00', b: '0.00' },
    );
    assert.deepEqual(asText(allocateShared(spec({}), measures({}), whole(['a', 'b']), period).parts), {
      a: '50.00',
      b: '50.00',
    });
  });
  it('equal shares are scaled by how much of the month a tenant existed', () => {
    const lifetimes = whole(['a', 'b']);
    lifetimes.set('b', { start: period.start, end: new Date('2026-10-16T12:00:00Z') }); // half of 31 days
    const { parts } = allocateShared(spec({ strategy: 'equal' }), measures({}), lifetimes, period);
    assert.deepEqual(asText(parts), { a: '66.67', b: '33.33' });
  });
  it('custom: 70% by compute and 30% by network, exact overall', () => {
    const s = spec({
      strategy: 'custom',
      categories: [
        { name: 'compute', weight: '0.7', measure: 'vcpuHours' },
        { name: 'network', weight: '0.3', measure: 'networkHours' },
      ],
    });
    const { parts } = allocateShared(s, measures({ a: '3', b: '1' }, { b: '1' }), whole(['a', 'b']), period);
    assert.deepEqual(asText(parts), { a: '52.50', b: '47.50' });
  });
  it('tiered: heavy use above the first band counts half', () => {
    const s = spec({ strategy: 'tiered', tiers: [{ upTo: '100', multiplier: '1' }, { multiplier: '0.5' }] });
    const { parts } = allocateShared(s, measures({ a: '300', b: '100' }), whole(['a', 'b']), period);
    assert.deepEqual(asText(parts), { a: '66.67', b: '33.33' });
  });
  it('JPY has no minor unit and sums exactly', () => {
    const { parts } = allocateShared(
      spec({ currency: 'JPY', sharedCosts: [{ name: 'logging', amount: '1000' }] }),
      measures({ a: '1', b: '1', c: '1' }),
      whole(['a', 'b', 'c']),
      period,
    );
    assert.equal([...parts.values()].reduce((x, y) => x.plus(y), new Dec(0)).toString(), '1000');
  });
  it('refuses shared costs finer than the currency', () => {
    assert.throws(
      () =>
        allocateShared(
          spec({ sharedCosts: [{ name: 'other', amount: '0.001' }] }),
          measures({ a: '1' }),
          whole(['a']),
          period,
        ),
      TerminalError,
    );
  });
  it('measures vCPU-hours by size and network-hours from events', () => {
    const e = (uid: string, tenant: string, cls: string, state: string, at: string): MeteredEvent => ({
      eventId: `${uid}${state}`,
      resourceUid: uid,
      tenant,
      resourceKind: cls === 'network' ? 'Network' : 'Compute',
      resourceClass: cls,
      region: 'eu-west-1',
      state,
      occurredAt: new Date(at),
    });
    const m = measure(
      [
        e('1', 'a', 'large', 'Running', '2026-10-02T00:00:00Z'),
        e('1', 'a', 'large', 'Stopped', '2026-10-02T02:00:00Z'),
        e('2', 'b', 'vcpu:3', 'Running', '2026-10-02T00:00:00Z'),
        e('2', 'b', 'vcpu:3', 'Stopped', '2026-10-02T01:00:00Z'),
        e('3', 'b', 'network', 'Ready', '2026-10-31T23:00:00Z'),
      ],
      period,
    );
    assert.deepEqual(
      [
        m.vcpuHours.get('a')?.toString(),
        m.vcpuHours.get('b')?.toString(),
        m.networkHours.get('b')?.toString(),
      ],
      ['8', '3', '1'],
    );
  });
  it('measures GiB-hours of volumes at each size they had, and counts public addresses in no measure', () => {
    const e = (uid: string, cls: string, state: string, at: string): MeteredEvent => ({
      eventId: `${uid}${state}${at}`,
      resourceUid: uid,
      tenant: 'a',
      resourceKind: 'Volume',
      resourceClass: cls,
      region: 'eu-west-1',
      state,
      occurredAt: new Date(at),
    });
    const m = measure(
      [
        e('v', 'storage-ssd:100', 'Available', '2026-10-02T00:00:00Z'),
        e('v', 'storage-ssd:100', 'Resizing', '2026-10-02T01:00:00Z'),
        e('v', 'storage-ssd:250', 'Available', '2026-10-02T02:00:00Z'),
        e('v', 'storage-ssd:250', 'Deleted', '2026-10-02T04:00:00Z'),
        e('p', 'public-ip', 'Allocated', '2026-10-02T00:00:00Z'),
      ],
      period,
    );
    // 2 h at 100 GiB (Resizing still counts at the old size), then 2 h at 250 GiB.
    assert.equal(m.storageGiBHours.get('a')?.toString(), '700');
    assert.equal(m.vcpuHours.get('a'), undefined);
    assert.equal(m.networkHours.get('a'), undefined);
  });
  it('custom categories can split by storage use', () => {
    const s = spec({
      strategy: 'custom',
      categories: [
        { name: 'compute', weight: '0.7', measure: 'vcpuHours' },
        { name: 'storage', weight: '0.3', measure: 'storageGiBHours' },
      ],
    });
    const { parts } = allocateShared(
      s,
      measures({ a: '1', b: '1' }, {}, { a: '900', b: '100' }),
      whole(['a', 'b']),
      period,
    );
    // compute 35 + 35; storage 27 + 3.
    assert.deepEqual(asText(parts), { a: '62.00', b: '38.00' });
  });
});
