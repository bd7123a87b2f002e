// CostAllocation specs that would pass admission and then fail in the controller are refused up front, by
// the schema (so the API server refuses them too) and at admission: a custom strategy with no categories,
// and tiers whose last one is closed, or that are empty.
import assert from 'node:assert/strict';
import { costAllocationSpecSchema } from '../../../crds/schemas/cost-allocation.ts';
import { validateCostAllocation } from '../../../webhooks/cost-allocation.ts';

const base = { month: '2026-10', currency: 'EUR', sharedCosts: [{ name: 'logging', amount: '1000.00' }] };
const problems = (spec: object) =>
  validateCostAllocation('CREATE', { spec: { ...base, ...spec } }).map((p) => `${p.field}: ${p.message}`);

describe('unit: CostAllocation refused before it can fail', () => {
  it('refuses a custom strategy with an empty list of categories, saying what it needs', () => {
    const spec = { strategy: 'custom', categories: [] };
    assert.equal(costAllocationSpecSchema.safeParse({ ...base, ...spec }).success, false);
    assert.match(problems(spec).join('\n'), /spec\.categories: .*at least one category/);
  });

  it('refuses tiers whose last tier has an upper bound', () => {
    const spec = {
      strategy: 'tiered',
      tiers: [
        { upTo: '100', multiplier: '1' },
        { upTo: '200', multiplier: '0.5' },
      ],
    };
    assert.equal(costAllocationSpecSchema.safeParse({ ...base, ...spec }).success, false);
    assert.match(problems(spec).join('\n'), /spec\.tiers.*1.*upTo: the last tier must be open-ended/);
    assert.match(
      problems({ strategy: 'tiered', tiers: [{ upTo: '5', multiplier: '1' }] }).join('\n'),
      /last tier/,
    );
  });

  it('refuses an empty list of tiers', () => {
    assert.match(problems({ strategy: 'tiered', tiers: [] }).join('\n'), /spec\.tiers: .*at least one tier/);
  });

  it('refuses an open tier before the last one', () => {
    const spec = {
      strategy: 'tiered',
      tiers: [{ multiplier: '1' }, { upTo: '50', multiplier: '1' }, { multiplier: '1' }],
    };
    assert.match(problems(spec).join('\n'), /tiers.*0.*upTo: only the last tier may be open-ended/);
  });

  it('compares tier bounds as exact decimals', () => {
    const rising = [
      { upTo: '0.3', multiplier: '1' },
      { upTo: '0.30000000000000001', multiplier: '1' },
      { multiplier: '1' },
    ];
    assert.deepEqual(problems({ strategy: 'tiered', tiers: rising }), []);
    const falling = [rising[1]!, rising[0]!, rising[2]!];
    assert.match(
      problems({ strategy: 'tiered', tiers: falling }).join('\n'),
      /tiers\[1\]\.upTo: must be above/,
    );
  });

  it('accepts well-formed tiered and custom allocations', () => {
    assert.deepEqual(
      problems({ strategy: 'tiered', tiers: [{ upTo: '100', multiplier: '1' }, { multiplier: '0.5' }] }),
      [],
    );
    assert.deepEqual(problems({ strategy: 'tiered', tiers: [{ multiplier: '1' }] }), []);
    assert.deepEqual(
      problems({ strategy: 'custom', categories: [{ name: 'compute', weight: '1', measure: 'vcpuHours' }] }),
      [],
    );
  });
});
