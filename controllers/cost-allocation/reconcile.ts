// The CostAllocation controller: splits the shared costs of a month over the tenants by the chosen strategy,
// exactly (the parts sum to the total, to the minor unit). While the month is open the split is provisional
// and recomputed every five minutes; once it has ended it is final.
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import { done, requeueAfter, TerminalError, type Action } from '../../operator/action.ts';
import { setCondition, type Condition } from '../../operator/conditions.ts';
import type { ControllerSpec, ReconcileContext } from '../../operator/controller.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { writeStatus } from '../../operator/status.ts';
import {
  costAllocationSpecSchema,
  type CostAllocation,
  type CostAllocationSpec,
} from '../../crds/schemas/cost-allocation.ts';
import {
  allocateWith,
  equalShares,
  allocate,
  type Strategy,
  type TenantUsage,
} from '../billing/domain/allocation.ts';
import { Dec, isWholeMinor, minorUnits, sumMoney, type Decimal } from '../billing/domain/money.ts';
import { scaleByActivity } from '../billing/domain/ownership.ts';
import { monthPeriod, type Interval } from '../billing/domain/period.ts';
import { validateCostAllocation } from '../../webhooks/cost-allocation.ts';
import { invalidSpec } from '../invalid-spec.ts';
import { emptyMeasures, eventsOfPeriod, measure, tenantLifetimes, type TenantMeasures } from './usage.ts';

export const costAllocationResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'CostAllocation',
  plural: 'costallocations',
  namespaced: false,
};
type Obj = CostAllocation & k8s.KubernetesObject;

export interface CostAllocationDeps {
  billingPool: Pool;
  tenantsPool: Pool;
}

export function costAllocationController(deps: CostAllocationDeps): ControllerSpec<Obj> {
  return {
    name: 'costallocation',
    resource: costAllocationResource,
    reconcile: (obj, ctx) => reconcileCostAllocation(obj, ctx, deps),
    async onTerminalError(obj, err, ctx) {
      const now = new Date(ctx.clock.now());
      const conditions = setCondition(
        obj.status?.conditions as Condition[] | undefined,
        { type: 'Ready', status: 'False', reason: 'InvalidSpec', message: err.message },
        now,
        obj.metadata.generation,
      );
      const changed = await writeStatus(ctx.kc, costAllocationResource, obj, {
        phase: 'Failed',
        observedGeneration: obj.metadata.generation,
        conditions,
      });
      // Told once: a resync finds the same problem already shown and says nothing more.
      if (changed) await ctx.events.record(obj, 'Warning', 'InvalidSpec', err.message);
    },
  };
}

function usageOf(m: TenantMeasures, which: keyof TenantMeasures, tenants: string[]): TenantUsage[] {
  return tenants.map((t) => ({ tenant: t, usage: m[which].get(t) ?? new Dec(0) }));
}

/** Pure: the strategy of the spec over the tenants and their measured usage. */
export function strategyFor(spec: CostAllocationSpec, m: TenantMeasures, tenants: string[]): Strategy {
  switch (spec.strategy) {
    case 'proportional':
      return { kind: 'proportional', usage: usageOf(m, spec.measure, tenants) };
    case 'equal':
      return { kind: 'equal', tenants };
    case 'tiered':
      return {
        kind: 'tiered',
        usage: usageOf(m, spec.measure, tenants),
        tiers: (spec.tiers ?? []).map((t) => ({
          upTo: t.upTo === undefined ? null : new Dec(t.upTo),
          multiplier: new Dec(t.multiplier),
        })),
      };
    case 'custom':
      return {
        kind: 'custom',
        categories: (spec.categories ?? []).map((c) => ({
          name: c.name,
          weight: new Dec(c.weight),
          usage: usageOf(m, c.measure, tenants),
        })),
      };
  }
}

/** Pure: the allocation; equal shares are scaled by how much of the period each tenant existed. */
export function allocateShared(
  spec: CostAllocationSpec,
  m: TenantMeasures,
  lifetimes: Map<string, Interval | readonly Interval[]>,
  period: Interval,
): { total: Decimal; parts: Map<string, Decimal> } {
  const total = sumMoney(spec.sharedCosts.map((c) => new Dec(c.amount)));
  if (!isWholeMinor(total, spec.currency)) {
    throw new TerminalError(
      `the shared costs total ${total.toString()} has more than ${minorUnits(spec.currency)} decimals, finer than ${spec.currency} can pay`,
    );
  }
  const tenants = [...lifetimes.keys()].sort();
  if (tenants.length === 0) return { total, parts: new Map() };
  if (spec.strategy === 'equal')
    return {
      total,
      parts: allocate(total, spec.currency, scaleByActivity(equalShares(tenants), lifetimes, period)),
    };
  return { total, parts: allocateWith(total, spec.currency, strategyFor(spec, m, tenants)) };
}

export async function reconcileCostAllocation(
  obj: Obj,
  ctx: ReconcileContext<Obj>,
  deps: CostAllocationDeps,
): Promise<Action> {
  if (obj.metadata.deletionTimestamp) return done;
  // The webhook's rules (amounts the currency can pay, rising tiers, categories named once with some
  // weight): nothing is allocated from a spec it would refuse.
  const invalid = invalidSpec(validateCostAllocation('CREATE', obj));
  const parsed = costAllocationSpecSchema.safeParse(obj.spec);
  if (invalid || !parsed.success) throw new TerminalError(invalid?.message ?? 'spec is invalid');
  const spec = parsed.data;
  const [y, mo] = spec.month.split('-').map(Number) as [number, number];
  const period = monthPeriod(y, mo);
  const now = new Date(ctx.clock.now());
  const final = period.end <= now;
  const until = final ? period : { start: period.start, end: now < period.start ? period.start : now };
  const measures =
    until.end > until.start ? measure(await eventsOfPeriod(deps.billingPool, until), until) : emptyMeasures();
  const lifetimes = await tenantLifetimes(deps.tenantsPool, period);
  let result;
  try {
    result = allocateShared(spec, measures, lifetimes, period);
  } catch (err) {
    if (err instanceof RangeError) throw new TerminalError(err.message);
    throw err;
  }
  const digits = minorUnits(spec.currency);
  const which = spec.strategy === 'custom' ? undefined : spec.measure;
  const allocations = [...result.parts]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([tenant, amount]) => ({
      tenant,
      amount: amount.toFixed(digits),
      ...(which ? { usage: (measures[which].get(tenant) ?? new Dec(0)).toDecimalPlaces(6).toString() } : {}),
    }));
  const message =
    allocations.length === 0
      ? `no tenant existed in ${spec.month}; nothing allocated`
      : `${result.total.toFixed(digits)} ${spec.currency} allocated over ${allocations.length} tenant(s), ${final ? 'final' : 'provisional until the month ends'}`;
  const conditions = setCondition(
    obj.status?.conditions as Condition[] | undefined,
    { type: 'Ready', status: final ? 'True' : 'False', reason: final ? 'Final' : 'PeriodOpen', message },
    now,
    obj.metadata.generation,
  );
  await writeStatus(ctx.kc, costAllocationResource, obj, {
    phase: final ? 'Final' : 'Provisional',
    observedGeneration: obj.metadata.generation,
    total: result.total.toFixed(digits),
    allocations,
    ...(final ? {} : { computedAt: now.toISOString() }),
    conditions,
  });
  return final ? done : requeueAfter(300_000);
}
