// Admission rules for StateSnapshots: the schema (the same words the API server's CEL says) and a schedule of
// 1m to 8784h. That it lives in a tenant's namespace is the controller's to say (NotInTenantNamespace), as
// the API server could not refuse it on its own.
import {
  maxSnapshotEvery,
  minSnapshotEvery,
  stateSnapshotSpecSchema,
} from '../crds/schemas/state-snapshot.ts';
import { durationMs } from '../controllers/state-snapshot/retention.ts';
import type { Problem } from './review.ts';
import { schemaProblems } from './rules.ts';

export function validateStateSnapshot(operation: string, object: { spec?: unknown }): Problem[] {
  if (operation !== 'CREATE' && operation !== 'UPDATE') return [];
  const problems: Problem[] = [];
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
