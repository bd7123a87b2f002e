// What a Compute spec must satisfy, beyond its schema, for the controller to act on it. Pure. The admission
// webhook refuses the same specs; the controller checks them too, because objects admitted before the
// webhook (or without it) reach it all the same, and acting on them would only take capacity for nothing.
import type { ComputeSpec } from '../../crds/schemas/compute.ts';
import { demandOf, memoryMiB } from './resources.ts';

/** The least memory an instance can boot with. */
export const minimumMemoryMiB = 256;

export interface SpecProblem {
  field: string;
  /** What is wrong and what would be accepted. */
  message: string;
}

export function specProblems(spec: ComputeSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (spec.memory !== undefined) {
    try {
      if (memoryMiB(spec.memory) < minimumMemoryMiB)
        problems.push({
          field: 'spec.memory',
          message: `${spec.memory} is below the ${minimumMemoryMiB}Mi an instance needs; set at least ${minimumMemoryMiB}Mi, such as 512Mi or 2Gi`,
        });
    } catch (err) {
      problems.push({ field: 'spec.memory', message: (err as Error).message });
    }
  }
  if (problems.length === 0) {
    try {
      demandOf(spec);
    } catch (err) {
      problems.push({ field: 'spec', message: (err as Error).message });
    }
  }
  return problems;
}

export function describeProblems(problems: readonly SpecProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('; ');
}
