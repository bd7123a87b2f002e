// Usage from lifecycle events: in-service spans, late and out-of-order arrival, region moves, period cuts.
import assert from 'node:assert/strict';
import { instanceClass, usageSegments, type MeteredEvent } from '../../../controllers/billing/usage.ts';
import { meteredRows } from '../../../controllers/billing/metering.ts';
import { previousMonth } from '../../../controllers/invoice/period-close.ts';
import { invoiceCsv } from '../../../controllers/invoice/export.ts';

const t = (iso: string) => new Date(`2026-10-${iso}Z`);
let n = 0;
const ev = (state: string, at: string, over: Partial<MeteredEvent> = {}): MeteredEvent => ({
  eventId: `e${String(n++).padStart(4, '0')}`,
  resourceUid: 'r1',
  tenant: 'acme',
  resourceKind: 'Compute',
  resourceClass: 'small',
  region: 'eu-west-1',
  state,
  occurredAt: t(at),
  ...over,
});
const span = (s: { start: Date; end: Date }) => [
  s.start.toISOString().slice(8, 19),
  s.end.toISOString().slice(8, 19),
];
const from = t('01T00:00:00');
const to = new Date('2026-11-01T00:00:00Z');

describe('unit: usage from lifecycle events', () => {
  it('counts Running to the next stop, and nothing while stopped', () => {
    const segs = usageSegments(
      [
        ev('Running', '02T10:00:00'),
        ev('Stopping', '02T12:00:00'),
        ev('Stopped', '02T12:00:05'),
        ev('Running', '03T00:00:00'),
        ev('Terminating', '03T01:00:00'),
      ],
      from,
      to,
    );
    assert.deepEqual(segs.map(span), [
      ['02T10:00:00', '02T12:00:00'],
      ['03T00:00:00', '03T01:00:00'],
    ]);
  });
  it('gives the same answer whatever order the events arrived in', () => {
    const events = [
      ev('Running', '02T10:00:00'),
      ev('Stopping', '02T12:00:00'),
      ev('Running', '03T00:00:00'),
      ev('Terminated', '03T01:00:00'),
    ];
    const shuffled = [events[3]!, events[1]!, events[0]!, events[2]!];
    assert.deepEqual(usageSegments(shuffled, from, to), usageSegments(events, from, to));
  });
  it('cuts a resource running across the period start or end at the boundary (half-open)', () => {
    const segs = usageSegments(
      [ev('Running', '01T00:00:00', { occurredAt: new Date('2026-09-30T22:00:00Z') })],
      from,
      to,
    );
    assert.deepEqual(
      segs.map((s) => [s.start.toISOString(), s.end.toISOString()]),
      [['2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z']],
    );
  });
  it('bills nothing for a resource stopped before the period', () => {
    assert.deepEqual(
      usageSegments(
        [
          ev('Running', '01T00:00:00', { occurredAt: new Date('2026-09-01T00:00:00Z') }),
          ev('Stopped', '01T00:00:00', { occurredAt: new Date('2026-09-02T00:00:00Z') }),
        ],
        from,
        to,
      ),
      [],
    );
  });
  it('meters a resource that moved region in each region for its time there', () => {
    const segs = usageSegments(
      [
        ev('Running', '05T00:00:00'),
        ev('Running', '05T06:00:00', { region: 'us-east-1' }),
        ev('Stopped', '05T08:00:00'),
      ],
      from,
      to,
    );
    assert.deepEqual(
      segs.map((s) => [s.region, ...span(s)]),
      [
        ['eu-west-1', '05T00:00:00', '05T06:00:00'],
        ['us-east-1', '05T06:00:00', '05T08:00:00'],
      ],
    );
  });
  it('a Failed instance stops accruing until it runs again', () => {
    const segs = usageSegments(
      [
        ev('Running', '06T00:00:00'),
        ev('Failed', '06T01:00:00'),
        ev('Running', '06T03:00:00'),
        ev('Stopping', '06T04:00:00'),
      ],
      from,
      to,
    );
    assert.deepEqual(segs.map(span), [
      ['06T00:00:00', '06T01:00:00'],
      ['06T03:00:00', '06T04:00:00'],
    ]);
  });
  it('networks accrue from Ready to deletion', () => {
    const segs = usageSegments(
      [
        ev('Ready', '07T00:00:00', { resourceKind: 'Network', resourceClass: 'network' }),
        ev('Deleting', '07T02:00:00', { resourceKind: 'Network', resourceClass: 'network' }),
      ],
      from,
      to,
    );
    assert.deepEqual(
      segs.map((s) => [s.resourceClass, ...span(s)]),
      [['network', '07T00:00:00', '07T02:00:00']],
    );
  });
  it('custom instances are priced per vCPU', () => {
    assert.deepEqual(instanceClass(2, 4096), { resourceClass: 'medium', quantity: 1 });
    assert.deepEqual(instanceClass(3, 6144), { resourceClass: 'vcpu', quantity: 3 });
    const segs = usageSegments(
      [
        ev('Running', '08T00:00:00', { resourceClass: 'vcpu:3' }),
        ev('Stopped', '08T01:00:00', { resourceClass: 'vcpu:3' }),
      ],
      from,
      to,
    );
    assert.deepEqual(
      segs.map((s) => [s.resourceClass, s.quantity]),
      [['vcpu', 3]],
    );
  });
  it('metering records compute and network transitions and ignores what billing does not need', () => {
    const base = {
      specversion: '1.0' as const,
      source: '/x',
      type: 't',
      subject: 'u',
      time: '2026-10-01T00:00:00.000Z',
      datacontenttype: 'application/json' as const,
      tenant: 'acme',
    };
    assert.deepEqual(
      meteredRows({
        ...base,
        id: 'a',
        data: { kind: 'Compute', to: 'Running', region: 'eu-west-1', vcpu: 1, memoryMiB: 2048 },
      })[0]?.slice(3, 7),
      ['Compute', 'small', 'eu-west-1', 'Running'],
    );
    assert.equal(
      meteredRows({
        ...base,
        id: 'b',
        data: { kind: 'Compute', to: 'Running', region: 'eu-west-1', vcpu: 3, memoryMiB: 1 },
      })[0]?.[4],
      'vcpu:3',
    );
    assert.deepEqual(
      meteredRows({ ...base, id: 'c', data: { kind: 'Other', to: 'Running', region: 'x' } }),
      [],
    );
    assert.deepEqual(
      meteredRows({
        ...base,
        id: 'd',
        time: 'not a time',
        data: { kind: 'Compute', to: 'Running', region: 'x', vcpu: 1, memoryMiB: 2048 },
      }),
      [],
    );
  });
});

describe('unit: billing periods and exports', () => {
  it('the previous month of any instant, including January', () => {
    assert.equal(previousMonth(new Date('2026-11-22T10:00:00Z')).name, '2026-10');
    const jan = previousMonth(new Date('2027-01-01T00:00:00Z'));
    assert.deepEqual(
      [jan.name, jan.start.toISOString(), jan.end.toISOString()],
      ['2026-12', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    );
  });
  it('CSV quotes what needs quoting and neutralises formulas', () => {
    const csv = invoiceCsv({
      id: 'x',
      tenant: 'acme',
      periodStart: 'a',
      periodEnd: 'b',
      currency: 'EUR',
      status: 'Issued',
      lines: [
        {
          resourceClass: '=HYPERLINK("x")',
          region: 'eu,west',
          quantity: '1.5',
          unit: 'hour',
          unitPrice: '0.1',
          amount: '-0.15',
        },
      ],
      subtotal: '0.15',
      discounts: '0.00',
      tax: '0.03',
      credits: '0.00',
      total: '0.18',
    });
    const lines = csv.trim().split('\n');
    assert.equal(lines[1], `"'=HYPERLINK(""x"")","eu,west",1.5,hour,0.1,-0.15,EUR`);
    assert.equal(lines.at(-1), 'total,,,,,0.18,EUR');
  });
});
