// Admission rules for Computes: the zone inside the region, a memory quantity the scheduler can use, and
// fields that cannot change once the instance exists (a public address is asked for at creation and held
// until deletion, so publicIp is one of them). The CRD's CEL rules (crds/schemas/compute.ts) refuse the same
// in the same words, for clusters that run without the webhook.
import { computeSpecSchema, memoryBounds } from '../crds/schemas/compute.ts';
import { memoryMiB } from '../controllers/compute/resources.ts';
import { specProblems } from '../controllers/compute/spec-rules.ts';
import { annotationProblems, type ManagedObject } from './managed.ts';
import type { Problem } from './review.ts';
import { schemaProblems, zoneProblem } from './rules.ts';

interface ComputeLike extends ManagedObject {
  spec?: unknown;
}

const immutable = [
  'region',
  'zone',
  'network',
  'subnet',
  'size',
  'vcpu',
  'memory',
  'gpu',
  'image',
  'publicIp',
] as const;

export function validateCompute(operation: string, object: ComputeLike, oldObject?: ComputeLike): Problem[] {
  if (operation !== 'CREATE' && operation !== 'UPDATE') return [];
  const parsed = computeSpecSchema.safeParse(object.spec);
  if (!parsed.success) return [...schemaProblems(parsed.error), ...annotationProblems(object, oldObject)];
  const spec = parsed.data;
  const problems: Problem[] = [];
  if (spec.zone) {
    const zone = zoneProblem(spec.region, spec.zone, 'spec.zone');
    if (zone) problems.push(zone);
  }
  problems.push(...specProblems(spec));
  // The CRD's bound too (a request no host could hold), where the memory was readable at all.
  if (spec.memory !== undefined && !problems.some((p) => p.field === 'spec.memory')) {
    if (memoryMiB(spec.memory) > memoryBounds.maximumMiB) {
      problems.push({
        field: 'spec.memory',
        message: `${spec.memory} is more than the ${memoryBounds.maximum} of the largest instance; set at most ${memoryBounds.maximum}`,
      });
    }
  }
  if (operation === 'UPDATE' && oldObject) {
    const old = computeSpecSchema.safeParse(oldObject.spec);
    if (old.success) {
      for (const key of immutable) {
        if (JSON.stringify(spec[key]) !== JSON.stringify(old.data[key])) {
          problems.push({
            field: `spec.${key}`,
            message: `is immutable (was ${shown(old.data[key])}); create a new Compute instead`,
          });
        }
      }
      if (JSON.stringify(spec.placement.group) !== JSON.stringify(old.data.placement.group)) {
        problems.push({
          field: 'spec.placement.group',
          message: 'is immutable: an instance cannot change placement group',
        });
      }
    }
  }
  problems.push(...annotationProblems(object, oldObject));
  return problems;
}

function shown(value: unknown): string {
  if (value === undefined) return 'unset';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A volume of spec.volumes in another zone than spec.zone, when both are known (the Volume exists and the
 * Compute names its zone): a volume attaches only to an instance of its own zone. `volumes` are the specs of
 * the namespace's Volumes by name.
 */
export function volumeZoneProblems(spec: unknown, volumes: ReadonlyMap<string, unknown>): Problem[] {
  const s = spec as { zone?: unknown; volumes?: unknown } | undefined;
  if (typeof s?.zone !== 'string' || !Array.isArray(s.volumes)) return [];
  const problems: Problem[] = [];
  s.volumes.forEach((v: unknown, i) => {
    const name = (v as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const zone = (volumes.get(name) as { zone?: unknown } | undefined)?.zone;
    if (typeof zone === 'string' && zone !== s.zone)
      problems.push({
        field: `spec.volumes[${i}].name`,
        message: `volume ${name} is in zone ${zone} and this Compute in ${String(s.zone)}; a volume attaches only to an instance of its own zone`,
      });
  });
  return problems;
}
