// Admission rules for Volumes: the zone inside the region, and, once the volume exists, a region, zone and
// type that cannot change and a size that can grow but never shrink. The CRD's CEL rules
// (crds/schemas/volume.ts) refuse the same in the same words, for clusters that run without the webhook.
import { volumeSpecSchema } from '../crds/schemas/volume.ts';
import { annotationProblems, type ManagedObject } from './managed.ts';
import type { Problem } from './review.ts';
import { schemaProblems, zoneProblem } from './rules.ts';

interface VolumeLike extends ManagedObject {
  spec?: unknown;
}

const immutable = ['region', 'zone', 'type'] as const;

export function validateVolume(operation: string, object: VolumeLike, oldObject?: VolumeLike): Problem[] {
  if (operation !== 'CREATE' && operation !== 'UPDATE') return [];
  const parsed = volumeSpecSchema.safeParse(object.spec);
  if (!parsed.success) return [...schemaProblems(parsed.error), ...annotationProblems(object, oldObject)];
  const spec = parsed.data;
  const problems: Problem[] = [];
  const old = operation === 'UPDATE' && oldObject ? volumeSpecSchema.safeParse(oldObject.spec) : undefined;
  // On an update that keeps region and zone the placement was judged when the volume was created; judging it
  // again would only stop an older volume from being labelled or from losing its finalizer.
  if (!old?.success || old.data.region !== spec.region || old.data.zone !== spec.zone) {
    const zone = zoneProblem(spec.region, spec.zone, 'spec.zone');
    if (zone) problems.push(zone);
  }
  if (old?.success) {
    for (const key of immutable) {
      if (spec[key] !== old.data[key]) {
        problems.push({
          field: `spec.${key}`,
          message: `is immutable (was ${old.data[key]}); create a new Volume instead`,
        });
      }
    }
    const source = spec.source?.diskSnapshot;
    const oldSource = old.data.source?.diskSnapshot;
    if (source !== oldSource)
      problems.push({
        field: 'spec.source.diskSnapshot',
        message: `is immutable (was ${oldSource ?? 'unset'}); a volume is created from a snapshot once: create a new Volume instead`,
      });
    if (spec.sizeGiB < old.data.sizeGiB) {
      problems.push({
        field: 'spec.sizeGiB',
        message: `cannot shrink from ${old.data.sizeGiB} to ${spec.sizeGiB} GiB: a volume can grow but never shrink; set at least ${old.data.sizeGiB}, or create a smaller Volume and copy the data`,
      });
    }
  }
  problems.push(...annotationProblems(object, oldObject));
  return problems;
}
