// Admission rules for StateSnapshots: the schema (the same words the API server's CEL says), a schedule of
// 1m to 8784h, and a tenant's namespace to live in, since the tenant is read from it.
import {
  maxSnapshotEvery,
  minSnapshotEvery,
  stateSnapshotSpecSchema,
} from '../crds/schemas/state-snapshot.ts';
import { durationMs } from '../controllers/state-snapshot/retention.ts';
import type { Problem } from './review.ts';
import { schemaProblems } from './rules.ts';

export function validateStateSnapshot(
  operation: string,
  object: { metadata?: { namespace?: unknown }; spec?: unknown },
): Problem[] {
  if (operation !== 'CREATE' && operation !== 'UPDATE') return [];
  const problems: Problem[] = [];
  const namespace = object.metadata?.namespace;
  if (typeof namespace === 'string' && !namespace.startsWith('tenant-')) {
    problems.push({
      field: 'metadata.namespace',
      message: `a StateSnapshot lives in its tenant's namespace (tenant-<name>), not ${namespace}`,
    });
  }
  const parsed = stateSnapshotSpecSchema.safeParse(object.spec);
  if (!parsed.success) return [...problems, ...schemaProblems(parsed.error)];
  const every = durationMs(parsed.data.schedule.every)!;
  if (every < durationMs(minSnapshotEvery)! || every > durationMs(maxSnapshotEvery)!) {
    problems.push({
      field: 'spec.schedule.every',
      message: `must be from ${minSnapshotEvery} to ${maxSnapshotEvery} (a year); got ${parsed.data.schedule.every}`,
    });
  }
  return problems;
}
