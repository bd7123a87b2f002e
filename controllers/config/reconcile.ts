// The ConfigSet kind on the managed reconciler: versioned key-values and feature flags delivered to a ConfigMap
// in the same namespace. Each step reads the recorded row in infra_db, does one thing (record a version, write
// or delete the ConfigMap) and records the result with its event, so a crash at any line resumes from the row.
// The ConfigMaps it writes wake it when they change, so an edit behind its back is found at once.
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import type { ControllerSpec } from '../../operator/controller.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { configSetSpecSchema, type ConfigSet, type ConfigSetSpec } from '../../crds/schemas/config-set.ts';
import { configSetSpecProblems } from '../../webhooks/config-set.ts';
import { invalidSpec } from '../invalid-spec.ts';
import type { ManagedKind } from '../managed/kind.ts';
import { policiesOf } from '../managed/policies.ts';
import { managedController } from '../managed/reconciler.ts';
import { configSetClient } from './client.ts';
import { stampConsumers } from './consumers.ts';
import { ConfigMapNotOwned, configSetLabel, type ConfigMapState } from './configmap.ts';
import { ConfigSetReasons, configSetStatus } from './status.ts';
import { ConfigSetPhaseConflict, type ConfigSetRow } from './store.ts';

export const configSetFinalizer = 'omnicloud.io/configset-cleanup';
export const configSetResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'ConfigSet',
  plural: 'configsets',
  namespaced: true,
};

export interface ConfigSetDeps {
  pool: Pool;
  kc: k8s.KubeConfig;
  onOutbox?: () => void;
  /** How often a synced ConfigMap is compared with its version when nothing woke it; 30 s by default. */
  observeIntervalMs?: number;
}

export type ConfigSetObj = ConfigSet & k8s.KubernetesObject;

/** API server failures worth a short wait (it restarts, or is overloaded), as opposed to a refusal. */
function apiServerDown(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code);
  return typeof code === 'number' && (code >= 500 || code === 429);
}

export function configSetKind(
  deps: ConfigSetDeps,
): ManagedKind<ConfigSetObj, ConfigSetSpec, ConfigSetRow, ConfigMapState> {
  return {
    kind: 'ConfigSet',
    resource: configSetResource,
    finalizer: configSetFinalizer,
    client: configSetClient(deps),
    readSpec(obj) {
      const invalid = invalidSpec(configSetSpecProblems(obj.spec));
      if (invalid) return { invalid: invalid.message };
      return { spec: configSetSpecSchema.parse(obj.spec) };
    },
    async statusDetails(s, row) {
      if (row.phase !== 'Synced' || !row.current_version || !row.current_hash) return { row };
      try {
        const stamped = await stampConsumers(
          deps.kc,
          s.obj.metadata.namespace!,
          s.obj.metadata.name,
          row.current_version,
          row.current_hash,
        );
        if (stamped.length > 0)
          s.log.info({ deployments: stamped, version: row.current_version }, 'consumers stamped');
        return { row };
      } catch (err) {
        // The ConfigMap is what consumers read; a Deployment not stamped yet is tried again shortly.
        s.log.warn({ err: (err as Error).message }, 'stamping consumer Deployments failed; retrying');
        return { row, retryMs: 30_000 };
      }
    },
    managementOf: policiesOf,
    driftRules: {},
    status: configSetStatus,
    phaseEvent(row, before) {
      if (row.phase === 'Synced' && before.phase === 'Applying')
        return {
          warning: false,
          reason: ConfigSetReasons.Synced,
          note: `ConfigMap ${row.config_map} holds version ${row.current_version} (${row.current_hash?.slice(0, 12)})`,
        };
      return undefined;
    },
    problemOf(err) {
      if (err instanceof ConfigMapNotOwned)
        return { reason: ConfigSetReasons.ConfigMapNotOwned, message: err.message, retryMs: 30_000 };
      if (err instanceof ConfigSetPhaseConflict)
        return { reason: ConfigSetReasons.Applying, message: err.message, retryMs: 200 };
      if (apiServerDown(err))
        return {
          reason: ConfigSetReasons.KubernetesUnavailable,
          message: `the Kubernetes API server did not answer the ConfigMap request: ${(err as Error).message}; retrying`,
          retryMs: 5_000,
        };
      return undefined;
    },
    reasons: {
      InvalidSpec: ConfigSetReasons.InvalidSpec,
      ProviderUnavailable: ConfigSetReasons.KubernetesUnavailable,
    },
    observeIntervalMs: deps.observeIntervalMs ?? 30_000,
  };
}

export function configSetController(deps: ConfigSetDeps): ControllerSpec<ConfigSetObj> {
  return {
    ...managedController(configSetKind(deps), {
      pool: deps.pool,
      onOutbox: deps.onOutbox,
      observed: () => true,
    }),
    // The ConfigMaps it delivers: an edit or a deletion wakes their ConfigSet through the owner reference.
    owns: [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        plural: 'configmaps',
        namespaced: true,
        labelSelector: configSetLabel,
      },
    ],
  };
}
