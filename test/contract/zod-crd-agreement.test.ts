// zod (what the webhook and the controllers check) and the generated CRD (what the API server checks) accept
// and refuse alike: each spec below goes to zod and, as a server-side dry run, to the real API server, and
// the two verdicts must match. Edge and seeded random keys for Compute placement selectors (the 63-character
// limit, label-key syntax), and CostAllocation specs around the tier and category rules.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import type { z } from 'zod';
import { computeSpecSchema } from '../../crds/schemas/compute.ts';
import { costAllocationSpecSchema } from '../../crds/schemas/cost-allocation.ts';
import { adminConfig, httpStatus, uniqueName } from '../support/kube.ts';
import { installCrds } from '../support/operator.ts';
import { Random } from '../unit/billing/prng.ts';

const api = { group: 'omnicloud.io', version: 'v1alpha1' };

describe('zod and the API server agree on what a spec may be', () => {
  const custom = adminConfig().makeApiClient(k8s.CustomObjectsApi);

  before(() => installCrds());

  /** 'accepted', or 'refused' when the API server answers 422; anything else is a test failure. */
  async function serverVerdict(create: Promise<unknown>): Promise<string> {
    try {
      await create;
      return 'accepted';
    } catch (err) {
      if (httpStatus(err) === 422) return 'refused';
      throw err;
    }
  }
  const zodVerdict = (schema: z.ZodType, spec: unknown) =>
    schema.safeParse(spec).success ? 'accepted' : 'refused';

  describe('Compute placement selectors', () => {
    const base = { region: 'eu-west-1', size: 'small', image: 'debian-12', network: 'n', subnet: 'a' };
    const specWith = (selector: Record<string, string>) => ({
      ...base,
      placement: { affinity: [selector], antiAffinity: [selector] },
    });
    const verdicts = async (selector: Record<string, string>) => {
      const spec = specWith(selector);
      const server = await serverVerdict(
        custom.createNamespacedCustomObject({
          ...api,
          plural: 'computes',
          namespace: 'default',
          dryRun: 'All',
          body: {
            apiVersion: 'omnicloud.io/v1alpha1',
            kind: 'Compute',
            metadata: { name: uniqueName('agree') },
            spec,
          },
        }),
      );
      return { zod: zodVerdict(computeSpecSchema, spec), server };
    };

    const edgeKeys = [
      'a'.repeat(62),
      'a'.repeat(63),
      'a'.repeat(64),
      'a'.repeat(300),
      `example.com/${'n'.repeat(51)}`,
      `example.com/${'n'.repeat(52)}`,
      'app',
      'app.kubernetes.io/name',
      'with space',
      '-leading',
      'trailing-',
      'Ünïcode',
      '😀'.repeat(32),
      'a/b/c',
      '/name',
    ];
    for (const key of edgeKeys) {
      it(`key ${JSON.stringify(key.length > 20 ? `${key.slice(0, 12)}…(${key.length})` : key)}`, async () => {
        const { zod, server } = await verdicts({ [key]: 'v' });
        assert.equal(server, zod);
      });
    }

    it('the limit itself: 63 characters accepted by both, 64 refused by both', async () => {
      assert.deepEqual(await verdicts({ ['k'.repeat(63)]: 'v' }), { zod: 'accepted', server: 'accepted' });
      assert.deepEqual(await verdicts({ ['k'.repeat(64)]: 'v' }), { zod: 'refused', server: 'refused' });
    });

    it('seeded random keys and values near the limits', async () => {
      const rnd = new Random(63);
      const alphabet = ['a', 'Z', '0', '-', '_', '.', '/', ' ', 'é'];
      for (let i = 0; i < 40; i++) {
        const length = rnd.pick([1, 2, 61, 62, 63, 64, 65]);
        const text = () =>
          Array.from({ length }, () => (rnd.chance(0.8) ? 'a' : rnd.pick(alphabet))).join('');
        const selector = rnd.chance(0.7) ? { [text()]: 'v' } : { app: text() };
        const { zod, server } = await verdicts(selector);
        assert.equal(server, zod, JSON.stringify(selector));
      }
    });
  });

  describe('CostAllocation tiers and categories', () => {
    const base = { month: '2026-10', currency: 'EUR', sharedCosts: [{ name: 'logging', amount: '100.00' }] };
    const cases: Record<string, object> = {
      'custom with categories': {
        strategy: 'custom',
        categories: [{ name: 'compute', weight: '1', measure: 'vcpuHours' }],
      },
      'custom with an empty list of categories': { strategy: 'custom', categories: [] },
      'tiered with an open last tier': {
        strategy: 'tiered',
        tiers: [{ upTo: '100', multiplier: '1' }, { multiplier: '0.5' }],
      },
      'tiered with one open tier': { strategy: 'tiered', tiers: [{ multiplier: '1' }] },
      'tiered with a closed last tier': {
        strategy: 'tiered',
        tiers: [
          { upTo: '100', multiplier: '1' },
          { upTo: '200', multiplier: '0.5' },
        ],
      },
      'tiered with a single closed tier': { strategy: 'tiered', tiers: [{ upTo: '1', multiplier: '1' }] },
      'tiered with an open middle tier': {
        strategy: 'tiered',
        tiers: [{ multiplier: '1' }, { upTo: '5', multiplier: '1' }, { multiplier: '1' }],
      },
      'tiered with an empty list of tiers': { strategy: 'tiered', tiers: [] },
    };
    for (const [what, spec] of Object.entries(cases)) {
      it(what, async () => {
        const body = { ...base, ...spec };
        const server = await serverVerdict(
          custom.createClusterCustomObject({
            ...api,
            plural: 'costallocations',
            dryRun: 'All',
            body: {
              apiVersion: 'omnicloud.io/v1alpha1',
              kind: 'CostAllocation',
              metadata: { name: uniqueName('agree') },
              spec: body,
            },
          }),
        );
        assert.equal(server, zodVerdict(costAllocationSpecSchema, body));
      });
    }
  });
});
