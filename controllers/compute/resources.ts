// What a Compute asks for, in the scheduler's units. Pure.
import { instanceSizes, type ComputeSpec } from '../../crds/schemas/compute.ts';

const binary: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimal: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 };

/** A memory quantity (such as 16Gi or 512Mi) in MiB, rounded up: an instance never gets less than it asked. */
export function memoryMiB(quantity: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$/.exec(quantity);
  if (!match) throw new Error(`${quantity} is not a memory quantity such as 16Gi`);
  const unit = match[2]!;
  const factor = binary[unit] ?? decimal[unit];
  if (factor === undefined) throw new Error(`${quantity}: unknown unit ${unit}; use Mi, Gi or Ti`);
  return Math.ceil((Number(match[1]) * factor) / 2 ** 20);
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
