// Admission rules for DiskSnapshots: a source volume named as an object of the namespace is named, fixed once
// the snapshot exists, and the managed annotations (a DiskSnapshot takes its own snapshot: it adopts none).
// The CRD's CEL rule (crds/schemas/disk-snapshot.ts) keeps the source in the same words, for clusters that run
// without the webhook.
import { diskSnapshotSpecSchema } from '../crds/schemas/disk-snapshot.ts';
import { externalNameAnnotation } from '../crds/schemas/managed.ts';
import { annotationField, annotationProblems, type ManagedObject } from './managed.ts';
import type { Problem } from './review.ts';
import { schemaProblems } from './rules.ts';

interface DiskSnapshotLike extends ManagedObject {
  spec?: unknown;
}

function externalName(object: DiskSnapshotLike): string | undefined {
  const annotations = (object.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations;
  const value = annotations?.[externalNameAnnotation];
  return typeof value === 'string' ? value : undefined;
}

export function validateDiskSnapshot(
  operation: string,
  object: DiskSnapshotLike,
  oldObject?: DiskSnapshotLike,
): Problem[] {
  if (operation !== 'CREATE' && operation !== 'UPDATE') return [];
  const problems: Problem[] = [];
  const parsed = diskSnapshotSpecSchema.safeParse(object.spec);
  if (!parsed.success) problems.push(...schemaProblems(parsed.error));
  const old =
    operation === 'UPDATE' && oldObject ? diskSnapshotSpecSchema.safeParse(oldObject.spec) : undefined;
  if (parsed.success && old?.success && parsed.data.source.volume !== old.data.source.volume)
    problems.push({
      field: 'spec.source.volume',
      message: `is immutable (was ${old.data.source.volume}); a snapshot is of one volume; create a new DiskSnapshot instead`,
    });
  if (externalName(object) !== undefined && externalName(object) !== externalName(oldObject ?? {}))
    problems.push({
      field: annotationField(externalNameAnnotation),
      message: 'a DiskSnapshot takes its own snapshot and adopts none; remove the annotation',
    });
  problems.push(...annotationProblems(object, oldObject));
  return problems;
}
