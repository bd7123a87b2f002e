// Splitting a shared amount (a cluster bill, a support fee, a refund) over tenants with zero rounding loss:
// the core largest-remainder allocation on integer minor units, and the strategies that produce its weights.
//
// Guarantees of allocate(): the parts always sum to the amount exactly; each part is within one minor unit
// of the exact proportional share (it is that share's floor or ceiling, in magnitude); no part is negative
// for a non-negative amount. The amount must already be whole minor units (roundToMinor first): otherwise
// no split into minor units could sum to it. Ties for the leftover units go to the larger remainder, then
// the larger weight, then the tenant name in ascending code-unit order, so the same input always gives the
// same answer. A negative amount (a refund) is allocated as its magnitude, then negated: same exactness.
//
// Documented treatments:
// - proportional: a tenant with zero usage gets 0. If every tenant has zero weight, allocate() falls back
//   to equal shares rather than refusing, because the amount still has to land somewhere.
// - tiered: usage is turned into a weight by tiers (first 100 units ×1.0, above ×0.5, ...), then proportional.
// - custom: the amount is first split over categories (e.g. 70 compute / 30 storage), each category amount
//   is then split by that category's usage, and a tenant's total is the sum. Each step is exact, so the
//   grand total is exact; a tenant's part is within one minor unit per step of its exact share.
// - tenants deleted mid-period and resources changing owner: see ownership.ts.
import type { Decimal } from 'decimal.js';
import { fromMinor, toDec, toMinor, type Currency } from './money.ts';

export interface Share {
  tenant: string;
  weight: Decimal;
}

export interface TenantUsage {
  tenant: string;
  usage: Decimal;
}

/** A usage band: usage up to `upTo` (cumulative; null = no limit) counts `multiplier` times. */
export interface Tier {
  upTo: Decimal | null;
  multiplier: Decimal;
}

export interface Category {
  name: string;
  weight: Decimal;
  usage: TenantUsage[];
}

export interface CategoryAllocation {
  byCategory: Map<string, Map<string, Decimal>>;
  total: Map<string, Decimal>;
}

export type Strategy =
  | { kind: 'proportional'; usage: TenantUsage[] }
  | { kind: 'equal'; tenants: string[] }
  | { kind: 'tiered'; usage: TenantUsage[]; tiers: Tier[] }
  | { kind: 'custom'; categories: Category[] };

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function validateShares(shares: Share[]): void {
  if (shares.length === 0) throw new RangeError('nothing to allocate over: no tenants');
  const seen = new Set<string>();
  for (const s of shares) {
    if (seen.has(s.tenant)) throw new RangeError(`tenant ${s.tenant} appears twice`);
    seen.add(s.tenant);
    if (toDec(s.weight, `weight of ${s.tenant}`).isNegative()) {
      throw new RangeError(`weight of ${s.tenant} is negative`);
    }
  }
}

/** Weights as integers on one common scale, so every comparison and division below is exact. */
function integerWeights(shares: Share[]): bigint[] {
  const scale = Math.max(...shares.map((s) => toDec(s.weight).decimalPlaces()));
  return shares.map((s) => BigInt(toDec(s.weight).toFixed(scale).replace('.', '')));
}

/** Splits `amount` over the shares by weight; see the module header for the guarantees. */
export function allocate(amount: Decimal, currency: Currency, shares: Share[]): Map<string, Decimal> {
  validateShares(shares);
  const signed = toMinor(amount, currency);
  const units = signed < 0n ? -signed : signed;
  let weights = integerWeights(shares);
  let totalWeight = weights.reduce((a, b) => a + b, 0n);
  if (totalWeight === 0n) {
    weights = shares.map(() => 1n);
    totalWeight = BigInt(shares.length);
  }
  const parts = weights.map((w) => (units * w) / totalWeight);
  const remainders = weights.map((w) => (units * w) % totalWeight);
  let leftover = units - parts.reduce((a, b) => a + b, 0n);
  const order = shares
    .map((_, i) => i)
    .sort((i, j) => {
      const ri = remainders[i]!;
      const rj = remainders[j]!;
      if (ri !== rj) return ri > rj ? -1 : 1;
      const wi = weights[i]!;
      const wj = weights[j]!;
      if (wi !== wj) return wi > wj ? -1 : 1;
      return byName(shares[i]!.tenant, shares[j]!.tenant);
    });
  // leftover < number of shares, because each floor lost less than one unit.
  for (const i of order) {
    if (leftover === 0n) break;
    parts[i] = parts[i]! + 1n;
    leftover -= 1n;
  }
  const result = new Map<string, Decimal>();
  shares.forEach((s, i) => result.set(s.tenant, fromMinor(signed < 0n ? -parts[i]! : parts[i]!, currency)));
  return result;
}

/** Weight = usage; zero usage → zero share (all zero → equal, in allocate). */
export function proportionalShares(usage: TenantUsage[]): Share[] {
  return usage.map((u) => ({ tenant: u.tenant, weight: toDec(u.usage, `usage of ${u.tenant}`) }));
}

export function equalShares(tenants: string[]): Share[] {
  return tenants.map((tenant) => ({ tenant, weight: toDec(1) }));
}

function validateTiers(tiers: Tier[]): void {
  if (tiers.length === 0) throw new RangeError('tiers are empty');
  let previous = toDec(0);
  tiers.forEach((tier, i) => {
    if (toDec(tier.multiplier, 'tier multiplier').isNegative()) throw new RangeError('tier multiplier < 0');
    const last = i === tiers.length - 1;
    if (tier.upTo === null) {
      if (!last) throw new RangeError('only the last tier may be open-ended');
      return;
    }
    if (last) throw new RangeError('the last tier must be open-ended (upTo: null) so all usage is counted');
    const upTo = toDec(tier.upTo, 'tier upTo');
    if (upTo.lessThanOrEqualTo(previous)) throw new RangeError('tier thresholds must increase');
    previous = upTo;
  });
}

/** Usage weighted band by band: with [100 ×1, rest ×0.5], 250 units weigh 100 + 75 = 175. */
export function tieredWeight(usage: Decimal, tiers: Tier[]): Decimal {
  validateTiers(tiers);
  const u = toDec(usage, 'usage');
  if (u.isNegative()) throw new RangeError('usage is negative');
  let weight = toDec(0);
  let floor = toDec(0);
  for (const tier of tiers) {
    const ceiling = tier.upTo === null ? u : toDec(tier.upTo);
    const inBand = (ceiling.lessThan(u) ? ceiling : u).minus(floor);
    if (inBand.isPositive()) weight = weight.plus(inBand.times(toDec(tier.multiplier)));
    floor = ceiling;
  }
  return weight;
}

export function tieredShares(usage: TenantUsage[], tiers: Tier[]): Share[] {
  return usage.map((u) => ({ tenant: u.tenant, weight: tieredWeight(u.usage, tiers) }));
}

/** Category amounts first (exact), then each by its own usage (exact), summed per tenant. */
export function allocateByCategory(
  amount: Decimal,
  currency: Currency,
  categories: Category[],
): CategoryAllocation {
  const categoryAmounts = allocate(
    amount,
    currency,
    categories.map((c) => ({ tenant: c.name, weight: c.weight })),
  );
  const byCategory = new Map<string, Map<string, Decimal>>();
  const total = new Map<string, Decimal>();
  for (const category of categories) {
    const parts = allocate(categoryAmounts.get(category.name)!, currency, proportionalShares(category.usage));
    byCategory.set(category.name, parts);
    for (const [tenant, part] of parts) total.set(tenant, (total.get(tenant) ?? toDec(0)).plus(part));
  }
  return { byCategory, total };
}

/** One entry point for the strategies, for callers that pick one from configuration. */
export function allocateWith(amount: Decimal, currency: Currency, strategy: Strategy): Map<string, Decimal> {
  switch (strategy.kind) {
    case 'proportional':
      return allocate(amount, currency, proportionalShares(strategy.usage));
    case 'equal':
      return allocate(amount, currency, equalShares(strategy.tenants));
    case 'tiered':
      return allocate(amount, currency, tieredShares(strategy.usage, strategy.tiers));
    case 'custom':
      return allocateByCategory(amount, currency, strategy.categories).total;
  }
}
