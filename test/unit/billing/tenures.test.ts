// A tenant deleted and created again under its name has two tenures: an equal split counts both, and not the
// time between them.
import assert from 'node:assert/strict';
import { allocateShared } from '../../../controllers/cost-allocation/reconcile.ts';
import { emptyMeasures } from '../../../controllers/cost-allocation/usage.ts';
import type { CostAllocationSpec } from '../../../crds/schemas/cost-allocation.ts';

const april = { start: new Date('2026-04-01T00:00:00Z'), end: new Date('2026-05-01T00:00:00Z') };
const spec: CostAllocationSpec = {
  month: '2026-04',
  currency: 'USD',
  sharedCosts: [{ name: 'control-plane', amount: '100.00' }],
  strategy: 'equal',
  measure: 'vcpuHours',
};

describe('unit: cost allocation over tenures', () => {
  it('an equal split counts a re-created tenant for its two tenures only', () => {
    const lifetimes = new Map([
      ['a', [april]],
      [
        'b',
        [
          // 1st to 11th, then 21st to the end: 20 of 30 days.
          { start: april.start, end: new Date('2026-04-11T00:00:00Z') },
          { start: new Date('2026-04-21T00:00:00Z'), end: april.end },
        ],
      ],
    ]);
    const { parts } = allocateShared(spec, emptyMeasures(), lifetimes, april);
    // weights 1 : 2/3 → 60 % and 40 %
    assert.deepEqual(Object.fromEntries([...parts].map(([t, v]) => [t, v.toFixed(2)])), {
      a: '60.00',
      b: '40.00',
    });
  });
});
