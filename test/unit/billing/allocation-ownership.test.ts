// Allocation over time: tenants deleted mid-period take part pro rata, and a resource's usage follows its owners.
import assert from 'node:assert/strict';
import { allocate, allocateWith, equalShares } from '../../../controllers/billing/domain/allocation.ts';
import { sumMoney } from '../../../controllers/billing/domain/money.ts';
import {
  activeFraction,
  scaleByActivity,
  splitByOwnership,
  usageByOwner,
} from '../../../controllers/billing/domain/ownership.ts';
import { monthPeriod } from '../../../controllers/billing/domain/period.ts';
import type { UsageSegment } from '../../../controllers/billing/domain/proration.ts';
import { asStrings, assertDec, d, utc } from './assert-decimal.ts';

const april = monthPeriod(2024, 4); // 30 days

describe('unit: billing allocation over time', () => {
  it('activeFraction is 1 for a tenant active all period, and beyond it', () => {
    assertDec(activeFraction({ start: utc('2023-01-01'), end: utc('2030-01-01') }, april), 1);
    assertDec(activeFraction(april, april), 1);
  });

  it('activeFraction is 10/30 for a tenant deleted at 00:00 on the 11th of April', () => {
    const fraction = activeFraction({ start: utc('2024-01-01'), end: utc('2024-04-11') }, april);
    assertDec(fraction, d(10).dividedBy(30));
  });

  it('activeFraction is 0 outside the period, including a deletion exactly at its start', () => {
    assertDec(activeFraction({ start: utc('2024-01-01'), end: utc('2024-04-01') }, april), 0);
    assertDec(activeFraction({ start: utc('2024-05-01'), end: utc('2024-06-01') }, april), 0);
  });

  it('activeFraction counts part days exactly (created at noon on the 30th → 12 hours of 720)', () => {
    assertDec(
      activeFraction({ start: utc('2024-04-30T12:00:00'), end: utc('2025-01-01') }, april),
      d(12).div(720),
    );
  });

  it('activeFraction refuses an empty period', () => {
    assert.throws(() => activeFraction(april, { start: april.start, end: april.start }), /period is empty/);
  });

  it('a tenant deleted mid-period takes part pro rata in an equal split', () => {
    const scaled = scaleByActivity(
      equalShares(['a', 'b', 'c']),
      new Map([['c', { start: utc('2024-03-01'), end: utc('2024-04-16') }]]),
      april,
    );
    const result = allocate(d('100.00'), 'USD', scaled);
    assert.deepEqual(asStrings(result), { a: '40', b: '40', c: '20' });
  });

  it('a deleted tenant with a repeating fraction still gets an exact split', () => {
    const scaled = scaleByActivity(
      equalShares(['a', 'b']),
      new Map([['b', { start: utc('2024-04-01'), end: utc('2024-04-11') }]]),
      april,
    );
    // weights 1 : 1/3 → 75 % and 25 %
    const result = allocate(d('1.00'), 'USD', scaled);
    assert.deepEqual(asStrings(result), { a: '0.75', b: '0.25' });
    assertDec(sumMoney(result.values()), '1.00');
  });

  const vm = (start: string, end: string, quantity = 2): UsageSegment => ({
    resourceClass: 'vm.small',
    region: 'eu-west',
    resourceId: 'vm-1',
    start: utc(start),
    end: utc(end),
    quantity: d(quantity),
  });

  it('splits a resource’s usage at an owner change', () => {
    const pieces = splitByOwnership(vm('2024-04-01', '2024-04-11'), [
      { owner: 'B', start: utc('2024-04-05') },
      { owner: 'A', start: utc('2024-01-01'), end: utc('2024-04-05') },
    ]);
    assert.deepEqual(
      pieces.map((p) => [p.owner, p.segment.start.toISOString(), p.segment.end.toISOString()]),
      [
        ['A', '2024-04-01T00:00:00.000Z', '2024-04-05T00:00:00.000Z'],
        ['B', '2024-04-05T00:00:00.000Z', '2024-04-11T00:00:00.000Z'],
      ],
    );
  });

  it('attributes usage to each owner for the time it owned the resource, then allocates by it', () => {
    const pieces = splitByOwnership(vm('2024-04-01', '2024-04-11'), [
      { owner: 'A', start: utc('2024-01-01'), end: utc('2024-04-05') },
      { owner: 'B', start: utc('2024-04-05') },
    ]);
    const usage = usageByOwner(pieces);
    // 2 units × 4 days and 2 units × 6 days, in unit-seconds
    assert.deepEqual(
      usage.map((u) => [u.tenant, u.usage.toString()]),
      [
        ['A', String(2 * 4 * 86400)],
        ['B', String(2 * 6 * 86400)],
      ],
    );
    assert.deepEqual(asStrings(allocateWith(d('10.00'), 'USD', { kind: 'proportional', usage })), {
      A: '4',
      B: '6',
    });
  });

  it('sums an owner’s usage over several resources', () => {
    const ownership = [
      { owner: 'A', start: utc('2024-01-01'), end: utc('2024-04-16') },
      { owner: 'B', start: utc('2024-04-16') },
    ];
    const pieces = [
      ...splitByOwnership(vm('2024-04-01', '2024-05-01', 1), ownership),
      ...splitByOwnership({ ...vm('2024-04-10', '2024-04-20', 3), resourceId: 'vm-2' }, [
        { owner: 'A', start: utc('2024-04-01') },
      ]),
    ];
    const usage = new Map(usageByOwner(pieces).map((u) => [u.tenant, u.usage]));
    assertDec(usage.get('A'), (15 + 3 * 10) * 86400);
    assertDec(usage.get('B'), 15 * 86400);
  });

  it('gives all usage to the new owner when the change is exactly at the segment start', () => {
    const pieces = splitByOwnership(vm('2024-04-05', '2024-04-06'), [
      { owner: 'A', start: utc('2024-04-01'), end: utc('2024-04-05') },
      { owner: 'B', start: utc('2024-04-05'), end: null },
    ]);
    assert.deepEqual(
      pieces.map((p) => p.owner),
      ['B'],
    );
  });

  it('refuses usage with no owner for part of the time, and overlapping owners', () => {
    assert.throws(
      () =>
        splitByOwnership(vm('2024-04-01', '2024-04-11'), [
          { owner: 'A', start: utc('2024-04-01'), end: utc('2024-04-03') },
          { owner: 'B', start: utc('2024-04-04') },
        ]),
      /vm-1 has no owner from 2024-04-03T00:00:00.000Z/,
    );
    assert.throws(
      () =>
        splitByOwnership(vm('2024-04-01', '2024-04-11'), [
          { owner: 'A', start: utc('2024-04-01'), end: utc('2024-04-06') },
          { owner: 'B', start: utc('2024-04-05') },
        ]),
      /owners A and B overlap/,
    );
    assert.throws(() => splitByOwnership(vm('2024-04-01', '2024-04-11'), []), /has no owner/);
  });
});
