// What a Compute asks for, in the scheduler's units. Pure.
import { instanceSizes, type ComputeSpec } from '../../crds/schemas/compute.ts';

/** Bytes per unit of each Kubernetes quantity suffix, as a fraction [numerator, denominator]. */
const bytesPerUnit: Record<string, readonly [bigint, bigint]> = {
  Ki: [2n ** 10n, 1n],
  Mi: [2n ** 20n, 1n],
  Gi: [2n ** 30n, 1n],
  Ti: [2n ** 40n, 1n],
  Pi: [2n ** 50n, 1n],
  Ei: [2n ** 60n, 1n],
  '': [1n, 1n],
  k: [10n ** 3n, 1n],
  M: [10n ** 6n, 1n],
  G: [10n ** 9n, 1n],
  T: [10n ** 12n, 1n],
  P: [10n ** 15n, 1n],
  E: [10n ** 18n, 1n],
  m: [1n, 1000n],
};

/**
 * A quantity (such as 16Gi, 512Mi or 547211.968512M) as an exact number of bytes, numerator / denominator.
 * Exact because a float product such as 547211.968512 × 1e6 lands a hair above a whole MiB and would round
 * up to one MiB more than asked.
 */
function quantityBytes(quantity: string): { numerator: bigint; denominator: bigint } {
  const match = /^([0-9]+)(?:\.([0-9]+))?([a-zA-Z]*)$/.exec(quantity);
  if (!match) throw new Error(`${quantity} is not a memory quantity such as 16Gi`);
  const [, whole, fraction = '', unit = ''] = match;
  const factor = bytesPerUnit[unit];
  if (factor === undefined) throw new Error(`${quantity}: unknown unit ${unit}; use Mi, Gi or Ti`);
  return {
    numerator: BigInt(whole! + fraction) * factor[0],
    denominator: 10n ** BigInt(fraction.length) * factor[1],
  };
}

/** The quantity in units of `unitBytes`, rounded up or down, as a number; refuses what a number cannot hold. */
function inUnits(quantity: string, unitBytes: bigint, rounding: 'up' | 'down'): number {
  const { numerator, denominator } = quantityBytes(quantity);
  const per = denominator * unitBytes;
  let units = numerator / per;
  if (rounding === 'up' && units * per !== numerator) units += 1n;
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${quantity} is too large`);
  return Number(units);
}

/** A memory quantity (such as 16Gi or 512Mi) in MiB, rounded up: an instance never gets less than it asked. */
export function memoryMiB(quantity: string): number {
  return inUnits(quantity, 2n ** 20n, 'up');
}

/** A quantity in whole GiB, rounded down: never more than the quantity says (a quota, say). */
export function wholeGiB(quantity: string): number {
  return inUnits(quantity, 2n ** 30n, 'down');
}

export interface Demand {
  vcpu: number;
  memoryMiB: number;
  gpu: number;
}

export function demandOf(spec: Pick<ComputeSpec, 'size' | 'vcpu' | 'memory' | 'gpu'>): Demand {
  if (spec.size) return { ...instanceSizes[spec.size], gpu: spec.gpu ?? 0 };
  if (spec.vcpu === undefined || spec.memory === undefined)
    throw new Error('set spec.size, or both spec.vcpu and spec.memory');
  return { vcpu: spec.vcpu, memoryMiB: memoryMiB(spec.memory), gpu: spec.gpu ?? 0 };
}
