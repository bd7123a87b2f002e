// What a drift policy says to do about one record: the override of the longest path covering the record's
// path, else the default. The whole resource (`$`) follows the default: no field override speaks for it.
import type { DriftAction, DriftPolicy } from '../../../crds/schemas/managed.ts';
import { pathCovers, rootPath } from './paths.ts';
import type { ActedDriftRecord, DriftRecord } from './record.ts';

export function actionFor(path: string, policy: DriftPolicy): DriftAction {
  if (path === rootPath) return policy.default;
  let chosen: { path: string; action: DriftAction } | undefined;
  for (const override of policy.overrides) {
    if (pathCovers(override.path, path) && override.path.length > (chosen?.path.length ?? -1))
      chosen = override;
  }
  return chosen?.action ?? policy.default;
}

export function withActions(records: readonly DriftRecord[], policy: DriftPolicy): ActedDriftRecord[] {
  return records.map((record) => ({ ...record, action: actionFor(record.path, policy) }));
}
