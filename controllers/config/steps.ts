// One lifecycle step of a ConfigSet: from the recorded phase, do the one thing that phase calls for and record
// the outcome. A new version is recorded (with the move to Applying) before the ConfigMap is written, and the
// ConfigMap write is idempotent, so a crash between the two writes the same version again: never a lost
// version, never a second one for the same change.
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import { done, type Action } from '../../operator/action.ts';
import type { ConfigSetSpec } from '../../crds/schemas/config-set.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Problem } from '../managed/kind.ts';
import { deleteConfigMap, writeConfigMap, type Owner } from './configmap.ts';
import { contentHash, contentOf, desiredKey, type ConfigContent } from './content.ts';
import { ConfigSetReasons } from './status.ts';
import {
  configMapOf,
  moveConfigSet,
  readVersion,
  recordNewVersion,
  updateConfigSet,
  type ConfigSetChange,
  type ConfigSetRow,
} from './store.ts';

export interface ConfigStepContext {
  pool: Pool;
  kc: k8s.KubeConfig;
  spec: ConfigSetSpec;
  owner: Owner;
  generation: number | undefined;
  now: () => Date;
}

export interface ConfigStepResult {
  row: ConfigSetRow;
  action: Action | 'continue';
  problem?: Problem;
}

const move = (
  s: ConfigStepContext,
  row: ConfigSetRow,
  to: ConfigSetRow['phase'],
  change: ConfigSetChange = {},
) => withTransaction(s.pool, (c) => moveConfigSet(c, row, to, change, s.now()));

/** What the spec asks the ConfigMap to hold: its own content, or an earlier version's (rollbackTo). */
async function wanted(
  s: ConfigStepContext,
  row: ConfigSetRow,
): Promise<{ content: ConfigContent; source: string } | Problem> {
  const target = s.spec.rollbackTo;
  if (target === undefined)
    return { content: contentOf(s.spec), source: `spec generation ${s.generation ?? '?'}` };
  // Looked up by this object's uid and tenant: a version number of another ConfigSet finds nothing here.
  const earlier = await readVersion(s.pool, row.uid, row.tenant, target);
  if (!earlier) {
    return {
      reason: ConfigSetReasons.VersionNotFound,
      message: `spec.rollbackTo: this ConfigSet has no version ${target}${row.current_version ? `; its versions are 1 to ${row.current_version}` : ' yet'}`,
    };
  }
  return { content: earlier.content, source: `rollback to version ${target}` };
}

export async function applyConfigStep(s: ConfigStepContext, row: ConfigSetRow): Promise<ConfigStepResult> {
  switch (row.phase) {
    case 'Pending':
    case 'Synced': {
      const want = await wanted(s, row);
      if ('reason' in want) return { row, action: done, problem: want };
      const hash = contentHash(want.content);
      const key = desiredKey(s.spec);
      if (row.phase === 'Synced' && hash === row.current_hash) {
        // The same content again (re-applied, or a rollback to what is current): no new version.
        return { row: await updateConfigSet(s.pool, row, { desired_key: key }), action: 'continue' };
      }
      const next = await withTransaction(s.pool, (c) =>
        recordNewVersion(
          c,
          row,
          { hash, content: want.content, generation: s.generation, source: want.source, desiredKey: key },
          s.now(),
        ),
      );
      return { row: next, action: 'continue' };
    }
    case 'Applying': {
      const version = await readVersion(s.pool, row.uid, row.tenant, row.applying_version!);
      if (!version)
        throw new Error(`version ${row.applying_version} of ${row.namespace}/${row.name} is not recorded`);
      const at = configMapOf(row);
      await writeConfigMap(
        s.kc,
        { ...at, version: version.version, hash: version.hash, content: version.content },
        s.owner,
      );
      const next = await move(s, row, 'Synced', {
        current_version: version.version,
        current_hash: version.hash,
        applying_version: null,
      });
      return {
        row: { ...next, provider_id: next.config_map, current_content: version.content },
        action: 'continue',
      };
    }
    default:
      return { row, action: done };
  }
}

export async function deleteConfigStep(s: ConfigStepContext, row: ConfigSetRow): Promise<ConfigStepResult> {
  switch (row.phase) {
    case 'Deleted':
      return { row, action: done };
    case 'Pending':
      return { row: await move(s, row, 'Deleted'), action: done };
    case 'Deleting':
      await deleteConfigMap(s.kc, configMapOf(row), s.owner);
      return { row: await move(s, row, 'Deleted', { applying_version: null }), action: done };
    default:
      // Recorded first: a crash after it deletes the ConfigMap on the next turn.
      return { row: await move(s, row, 'Deleting'), action: 'continue' };
  }
}
