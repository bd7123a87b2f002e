// The ConfigSet's external client for the managed reconciler. Its outside system is the consumer ConfigMap
// (and the version history in infra_db): observed through the API server, written from the recorded version,
// deleted or let go as the deletion policy says. An edit of the ConfigMap behind our back is drift, put back
// by writing the current version again; operations complete as they are made (none to poll).
import { TerminalError } from '../../operator/action.ts';
import type { ConfigSetSpec } from '../../crds/schemas/config-set.ts';
import { withTransaction } from '../db/transaction.ts';
import type { ExternalClient, StepContext } from '../managed/kind.ts';
import {
  desiredConfigMapState,
  observedConfigMapState,
  readConfigMap,
  releaseConfigMap,
  writeConfigMap,
  type ConfigMapState,
} from './configmap.ts';
import { contentOf, desiredKey } from './content.ts';
import type { ConfigSetDeps, ConfigSetObj } from './reconcile.ts';
import { applyConfigStep, deleteConfigStep, type ConfigStepContext } from './steps.ts';
import {
  configMapOf,
  moveConfigSet,
  readConfigSet,
  recordPendingConfigSet,
  type ConfigSetRow,
} from './store.ts';

type Ctx = StepContext<ConfigSetObj, ConfigSetSpec>;

export function configSetClient(
  deps: ConfigSetDeps,
): ExternalClient<ConfigSetObj, ConfigSetSpec, ConfigSetRow, ConfigMapState> {
  const steps = (s: Ctx): ConfigStepContext => ({
    pool: deps.pool,
    kc: deps.kc,
    spec: s.spec,
    owner: { name: s.obj.metadata.name, uid: s.obj.metadata.uid! },
    generation: s.obj.metadata.generation,
    now: s.now,
  });
  const move = (s: Ctx, row: ConfigSetRow, to: ConfigSetRow['phase'], change = {}) =>
    withTransaction(deps.pool, (c) => moveConfigSet(c, row, to, change, s.now()));
  /** The recorded version, written again (drift put back, or the ConfigMap made again). */
  const rewrite = async (s: Ctx, row: ConfigSetRow) => {
    if (!row.current_version || !row.current_content) return;
    await writeConfigMap(
      deps.kc,
      {
        ...configMapOf(row),
        version: row.current_version,
        hash: row.current_hash!,
        content: row.current_content,
      },
      steps(s).owner,
    );
  };

  return {
    read: (uid) => readConfigSet(deps.pool, uid),
    async record(s, externalId) {
      if (externalId)
        throw new TerminalError(
          'a ConfigSet makes its own ConfigMap and adopts none: remove the omnicloud.io/external-name annotation and name the ConfigMap with spec.configMapName',
        );
      const namespace = s.obj.metadata.namespace!;
      return withTransaction(deps.pool, (c) =>
        recordPendingConfigSet(
          c,
          {
            uid: s.obj.metadata.uid!,
            namespace,
            name: s.obj.metadata.name,
            tenant: s.tenant,
            // Always the ConfigSet's own namespace: the name is a DNS subdomain, never a path.
            config_map: `${namespace}/${s.spec.configMapName ?? s.obj.metadata.name}`,
          },
          s.now(),
        ),
      );
    },
    claimedBy: async () => undefined,
    settled: (row, spec) => row.phase === 'Synced' && row.desired_key === desiredKey(spec),
    create: (s, row) => applyConfigStep(steps(s), row),
    delete: (s, row) => deleteConfigStep(steps(s), row),
    gone: (row) => row.phase === 'Deleted',
    async release(s, row) {
      await releaseConfigMap(deps.kc, configMapOf(row), steps(s).owner);
      return move(s, row, 'Deleted', { applying_version: null });
    },
    desired: (spec, row) =>
      row.current_version && row.current_content
        ? desiredConfigMapState({
            version: row.current_version,
            hash: row.current_hash!,
            content: row.current_content,
          })
        : desiredConfigMapState({ version: 0, hash: '', content: contentOf(spec) }),
    async observe(row) {
      const { namespace, name } = configMapOf(row);
      const cm = await readConfigMap(deps.kc, namespace, name);
      if (!cm) return { exists: false };
      return { exists: true, state: observedConfigMapState(cm), raw: cm };
    },
    async update(s, row) {
      await rewrite(s, row);
      return []; // written at once: nothing to wait for
    },
    async recreate(s, row) {
      // The same version written again, not a new one: the content did not change.
      const next = await move(s, row, 'Applying', { applying_version: row.current_version });
      return { row: next, action: 'continue' };
    },
    operation: async () => 'succeeded',
  };
}
