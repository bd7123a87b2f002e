// Historical cost reports: buckets, reserved capacity amortised in, cost by label, anomalous days.
import assert from 'node:assert/strict';
import { buckets, costReport } from '../../../controllers/billing/costs.ts';
import { Dec } from '../../../controllers/billing/domain/money.ts';
import type { MeteredEvent } from '../../../controllers/billing/usage.ts';

const catalogue = [
  {
    resourceClass: 'small',
    region: 'eu-west-1',
    currency: 'EUR' as const,
    unitPricePerHour: new Dec('1'),
    effectiveFrom: new Date('2026-01-01T00:00:00Z'),
    effectiveTo: null,
  },
];
let id = 0;
function run(uid: string, from: string, to: string, labels: Record<string, string>): MeteredEvent[] {
  const base = {
    resourceUid: uid,
    tenant: 'acme',
    resourceKind: 'Compute',
    resourceClass: 'small',
    region: 'eu-west-1',
    labels,
  };
  return [
    { ...base, eventId: `e${id++}`, state: 'Running', occurredAt: new Date(from) },
    { ...base, eventId: `e${id++}`, state: 'Stopped', occurredAt: new Date(to) },
  ];
}
const range = { start: new Date('2026-10-01T00:00:00Z'), end: new Date('2026-10-21T00:00:00Z') };

describe('unit: cost reports', () => {
  // web: 2 hours every day; batch: 1 hour a day, but 30 hours' worth on the 18th (three instances for 10 h).
  const events: MeteredEvent[] = [];
  for (let d = 1; d <= 20; d++) {
    const day = `2026-10-${String(d).padStart(2, '0')}`;
    events.push(...run(`web-${d}`, `${day}T08:00:00Z`, `${day}T10:00:00Z`, { app: 'web' }));
    if (d === 18)
      for (const k of [1, 2, 3])
        events.push(...run(`batch-${d}-${k}`, `${day}T00:00:00Z`, `${day}T10:00:00Z`, { app: 'batch' }));
    else events.push(...run(`batch-${d}`, `${day}T12:00:00Z`, `${day}T13:00:00Z`, { app: 'batch' }));
  }
  const reservation = {
    id: 'r1',
    amount: new Dec('31.00'),
    currency: 'EUR' as const,
    term: { start: new Date('2026-10-01T00:00:00Z'), end: new Date('2026-11-01T00:00:00Z') },
  };

  it('buckets a range by day and by month, cut to the range', () => {
    assert.equal(buckets(range, 'day').length, 20);
    const months = buckets(
      { start: new Date('2026-10-15T00:00:00Z'), end: new Date('2026-12-02T00:00:00Z') },
      'month',
    );
    assert.deepEqual(
      months.map((m) => m.start.toISOString().slice(0, 10)),
      ['2026-10-15', '2026-11-01', '2026-12-01'],
    );
  });

  it('prices each day and amortises the reservation one euro a day', () => {
    const r = costReport(events, catalogue, 'EUR', [reservation], { range, by: 'day' });
    assert.equal(r.buckets[0]!.usage.toFixed(2), '3.00');
    assert.equal(r.buckets[17]!.usage.toFixed(2), '32.00');
    assert.ok(r.buckets.every((b) => b.reserved.toFixed(2) === '1.00'));
    assert.equal(r.total.toFixed(2), (19 * 3 + 32 + 20).toFixed(2));
  });

  it('totals cost by label, and filters by selector', () => {
    const r = costReport(events, catalogue, 'EUR', [], { range, by: 'month', groupByLabel: 'app' });
    assert.deepEqual(Object.fromEntries([...r.byTag!].map(([k, v]) => [k, v.toFixed(2)])), {
      web: '40.00',
      batch: '49.00',
    });
    const only = costReport(events, catalogue, 'EUR', [], {
      range,
      by: 'month',
      groupByLabel: 'app',
      selector: { matchLabels: { app: 'web' } },
    });
    assert.deepEqual([...only.byTag!.keys()], ['web']);
  });

  it('flags the day whose cost is far from the trailing mean', () => {
    const r = costReport(events, catalogue, 'EUR', [], { range, by: 'day' });
    const flagged = r.anomalies.filter((a) => a.verdict === 'anomaly').map((a) => a.day);
    assert.deepEqual(flagged, ['2026-10-18']);
    assert.equal(
      r.anomalies.filter((a) => a.verdict === 'insufficient-history').length,
      7,
      'the first week has too little history',
    );
  });
});
