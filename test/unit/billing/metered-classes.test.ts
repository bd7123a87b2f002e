// Storage and public addresses in metering: which rows an event becomes, and the usage those rows make.
import assert from 'node:assert/strict';
import { validate as isUuid } from 'uuid';
import { meteredRows } from '../../../controllers/billing/metering.ts';
import { usageSegments, type MeteredEvent } from '../../../controllers/billing/usage.ts';
import type { CloudEvent } from '../../../controllers/events/cloudevent.ts';

const instance = '11111111-1111-4111-8111-111111111111';
const volume = '22222222-2222-4222-8222-222222222222';
let seq = 0;
const event = (subject: string, at: string, data: Record<string, unknown>): CloudEvent => ({
  specversion: '1.0',
  id: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
  source: '/x',
  type: 't',
  subject,
  time: `2026-10-02T${at}:00.000Z`,
  datacontenttype: 'application/json',
  tenant: 'acme',
  data,
});
const vm = (to: string, at: string, publicIp = true) =>
  event(instance, at, { kind: 'Compute', to, region: 'eu-west-1', vcpu: 1, memoryMiB: 2048, publicIp });
const vol = (to: string, at: string, sizeGiB: number, type = 'ssd') =>
  event(volume, at, { kind: 'Volume', to, region: 'eu-west-1', zone: 'eu-west-1a', type, sizeGiB });

/** What the metering consumer would record, read back as billing reads it. */
function recorded(events: CloudEvent[]): MeteredEvent[] {
  return events.flatMap(meteredRows).map((r) => ({
    eventId: r[0] as string,
    resourceUid: r[1] as string,
    tenant: r[2] as string,
    resourceKind: r[3] as string,
    resourceClass: r[4] as string,
    region: r[5] as string,
    state: r[6] as string,
    occurredAt: r[7] as Date,
  }));
}
const hoursOf = (s: { start: Date; end: Date; quantity: number }) =>
  ((s.end.getTime() - s.start.getTime()) / 3_600_000) * s.quantity;
const from = new Date('2026-10-01T00:00:00Z');
const to = new Date('2026-11-01T00:00:00Z');

describe('unit: metering volumes and public addresses', () => {
  it('a volume event is metered as storage of its type, with its size as the quantity', () => {
    const [row] = recorded([vol('Available', '10:00', 100)]);
    assert.deepEqual(
      [row?.resourceKind, row?.resourceClass, row?.state, row?.region],
      ['Volume', 'storage-ssd:100', 'Available', 'eu-west-1'],
    );
    assert.equal(
      recorded([vol('Available', '10:00', 5, 'standard')])[0]?.resourceClass,
      'storage-standard:5',
    );
  });
  it('a volume event without a usable size or type records nothing', () => {
    for (const bad of [0, -3, 1.5, Number.NaN])
      assert.deepEqual(meteredRows(vol('Available', '10:00', bad)), []);
    assert.deepEqual(meteredRows(vol('Available', '10:00', 10, 'tape')), []);
  });
  it('an instance with a public address gives a second row, with ids derived from the event', () => {
    const running = vm('Running', '10:00');
    const rows = recorded([running]);
    assert.equal(rows.length, 2);
    const address = rows[1]!;
    assert.deepEqual(
      [address.resourceKind, address.resourceClass, address.state],
      ['PublicIP', 'public-ip', 'Allocated'],
    );
    assert.ok(isUuid(address.eventId) && isUuid(address.resourceUid));
    assert.notEqual(address.eventId, running.id);
    assert.notEqual(address.resourceUid, instance);
    // A duplicate delivery derives the same ids, so the primary key absorbs it.
    assert.deepEqual(recorded([running])[1], address);
    // The address of another instance is another resource.
    const other = event('33333333-3333-4333-8333-333333333333', '10:00', running.data);
    assert.notEqual(recorded([other])[1]?.resourceUid, address.resourceUid);
  });
  it('the address is metered from Running to Terminated only; other phases record the instance alone', () => {
    assert.equal(recorded([vm('Stopped', '11:00')]).length, 1);
    assert.equal(recorded([vm('Terminating', '11:00')]).length, 1);
    assert.equal(recorded([vm('Failed', '11:00')]).length, 1);
    assert.equal(recorded([vm('Terminated', '11:00')])[1]?.state, 'Released');
    assert.equal(recorded([vm('Running', '11:00', false)]).length, 1);
  });
  it('an address is billed while its instance is stopped, the instance is not', () => {
    const rows = recorded([
      vm('Running', '10:00'),
      vm('Stopping', '12:00'),
      vm('Stopped', '12:00'),
      vm('Provisioning', '13:00'),
      vm('Running', '13:00'),
      vm('Terminating', '14:00'),
      vm('Terminated', '14:30'),
    ]);
    const segs = usageSegments(rows, from, to);
    const byClass = (c: string) =>
      segs.filter((s) => s.resourceClass === c).reduce((h, s) => h + hoursOf(s), 0);
    assert.equal(byClass('small'), 3);
    assert.equal(byClass('public-ip'), 4.5);
  });
  it('a volume that grows is metered at the old size until the resize completes, then at the new one', () => {
    const segs = usageSegments(
      recorded([
        vol('Creating', '09:00', 100),
        vol('Available', '10:00', 100),
        vol('Resizing', '11:00', 100),
        vol('Available', '12:00', 250),
        vol('Deleting', '16:00', 250),
        vol('Deleted', '16:01', 250),
      ]),
      from,
      to,
    );
    assert.deepEqual(
      segs.map((s) => [
        s.resourceClass,
        s.quantity,
        s.start.toISOString().slice(11, 16),
        s.end.toISOString().slice(11, 16),
      ]),
      [
        ['storage-ssd', 100, '10:00', '12:00'],
        ['storage-ssd', 250, '12:00', '16:00'],
      ],
    );
    assert.equal(
      segs.reduce((h, s) => h + hoursOf(s), 0),
      1200,
    );
  });
  it('a volume still there at the end of the period is cut there, and a failed one stops accruing', () => {
    const open = usageSegments(recorded([vol('Available', '10:00', 8)]), from, to);
    assert.equal(open[0]?.end.toISOString(), to.toISOString());
    const failed = usageSegments(
      recorded([vol('Available', '10:00', 8), vol('Failed', '11:00', 8)]),
      from,
      to,
    );
    assert.equal(
      failed.reduce((h, s) => h + hoursOf(s), 0),
      8,
    );
  });
});
