// The ManagedSecret kind on the managed reconciler: a value in the Vault API's KV v2 mount, written from a
// Secret or generated, delivered to a Kubernetes Secret, rotated, and destroyed or left when the object goes.
// Each step reads the recorded row in infra_db, does one thing outside, and records the result with its event
// in one transaction. A Vault API outage fails the reconcile (Synced=False, VaultUnavailable), shows on Ready
// and Degraded, and is retried every few seconds rather than with a backoff that would outlast the outage.
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import type { Controller, ControllerSpec, ReconcileContext } from '../../operator/controller.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { objectKey } from '../../operator/informer.ts';
import { writeStatus } from '../../operator/status.ts';
import {
  managedSecretSpecSchema,
  rotateAtAnnotation,
  type ManagedSecret,
} from '../../crds/schemas/managed-secret.ts';
import { validateManagedSecret } from '../../webhooks/managed-secret.ts';
import { VaultRequestError, VaultUnavailableError, type OperatorVault } from '../backing/vault.ts';
import { failureForStatus } from '../failure.ts';
import { invalidSpec } from '../invalid-spec.ts';
import type { ManagedKind } from '../managed/kind.ts';
import { policiesOf } from '../managed/policies.ts';
import { managedController } from '../managed/reconciler.ts';
import { secretClient, type SecretState } from './client.ts';
import { SecretReasons, secretStatus } from './status.ts';
import type { SecretSpec } from './steps.ts';
import { readSecretRow, type SecretRow } from './store.ts';
import { deliveredByLabel, TargetError } from './target.ts';
import { untilRotation, nextRotation } from './rotation.ts';

export const secretFinalizer = 'omnicloud.io/managedsecret-cleanup';
export const managedSecretResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'ManagedSecret',
  plural: 'managedsecrets',
  namespaced: true,
};

export type SecretObj = ManagedSecret & k8s.KubernetesObject;

export interface SecretDeps {
  pool: Pool;
  vault: OperatorVault;
  /** The API server, for the source and target Secrets. */
  kc: k8s.KubeConfig;
  onOutbox?: () => void;
  /** How often a settled secret is compared with the Vault API (and its source read); 30 s by default. */
  observeIntervalMs?: number;
  /** How soon a secret waiting for the Vault API is tried again; 5 s by default. */
  outageRetryMs?: number;
  now?: () => Date;
  /** Puts a key back on the controller's queue after `ms` (given by addManagedSecretController). */
  retrySoon?: (key: string, ms: number) => void;
}

/** The spec the controller acts on: the object's, its rotate-at request and the target's name. */
export function secretSpecOf(obj: SecretObj, spec: ManagedSecret['spec']): SecretSpec {
  return {
    ...spec,
    rotateRequest: obj.metadata.annotations?.[rotateAtAnnotation],
    targetName: spec.target.name ?? obj.metadata.name,
  };
}

export function managedSecretKind(
  deps: SecretDeps,
): ManagedKind<SecretObj, SecretSpec, SecretRow, SecretState> {
  const now = deps.now ?? (() => new Date());
  return {
    kind: 'ManagedSecret',
    resource: managedSecretResource,
    finalizer: secretFinalizer,
    client: secretClient({ ...deps, now }),
    readSpec(obj, row) {
      const parsed = managedSecretSpecSchema.safeParse(obj.spec);
      const invalid = invalidSpec(validateManagedSecret('CREATE', obj));
      if (!invalid && parsed.success) return { spec: secretSpecOf(obj, parsed.data) };
      return {
        invalid: invalid?.message ?? 'spec: does not match the schema',
        spec: row && parsed.success ? secretSpecOf(obj, parsed.data) : undefined,
      };
    },
    managementOf: policiesOf,
    driftRules: { severity: { version: 'functional', maxVersions: 'functional' } },
    status: secretStatus,
    async statusDetails(s, row) {
      // A scheduled rotation is due before the next observe interval: look again then.
      const base = row.rotated_at ?? row.created_at_vault;
      const every = s.spec.generate ? s.spec.rotation?.every : undefined;
      const wait = base ? untilRotation(nextRotation(every, new Date(base)), s.now()) : undefined;
      // At most an hour ahead: a timer cannot wait longer than about 24.8 days, and a rotation 30 days out would
      // fire at once.
      return { row, retryMs: wait === undefined ? undefined : Math.min(wait + 50, 3_600_000) };
    },
    phaseEvent(row, before) {
      if (row.phase === 'Ready' && before.phase === 'Writing')
        return {
          warning: false,
          reason: before.version === 0 && !before.created_at_vault ? 'Created' : 'Written',
          note: `version ${row.version} written to omnicloud/${row.path} and delivered to Secret ${row.target}`,
        };
      if (row.phase === 'Ready' && before.phase === 'Rotating')
        return {
          warning: false,
          reason: 'Rotated',
          note: `rotated from version ${before.rotating_from ?? before.version} to ${row.version}`,
        };
      if (row.phase === 'Deleted' && before.phase === 'Deleting')
        return { warning: false, reason: 'Destroyed', note: `omnicloud/${row.path} left the Vault API` };
      return undefined;
    },
    problemOf(err) {
      if (err instanceof VaultRequestError)
        return { reason: SecretReasons.VaultRefused, message: err.message, retryMs: 60_000 };
      if (err instanceof TargetError)
        return { reason: 'TargetUnavailable', message: err.message, retryMs: 5_000 };
      return undefined;
    },
    reasons: { InvalidSpec: SecretReasons.InvalidSpec, ProviderUnavailable: SecretReasons.VaultUnavailable },
    observeIntervalMs: deps.observeIntervalMs ?? 30_000,
  };
}

export function managedSecretController(deps: SecretDeps): ControllerSpec<SecretObj> {
  const kind = managedSecretKind(deps);
  const base = managedController(kind, {
    pool: deps.pool,
    onOutbox: deps.onOutbox,
  });
  return {
    ...base,
    // The delivered Secrets: a change or deletion of one wakes its ManagedSecret.
    owns: [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        plural: 'secrets',
        namespaced: true,
        labelSelector: deliveredByLabel,
      },
    ],
    async reconcile(obj, ctx) {
      try {
        return await base.reconcile(obj, ctx);
      } catch (err) {
        if (err instanceof VaultUnavailableError) await showOutage(deps, kind, obj, ctx, err);
        throw err;
      }
    },
    describeFailure: (err) =>
      err instanceof VaultUnavailableError
        ? { reason: SecretReasons.VaultUnavailable, message: `${err.message}; retrying` }
        : { reason: 'ReconcileError', message: failureForStatus(err) },
  };
}

/** Ready and Degraded say the Vault API is away, and the key comes back in a few seconds. */
async function showOutage(
  deps: SecretDeps,
  kind: ManagedKind<SecretObj, SecretSpec, SecretRow, SecretState>,
  obj: SecretObj,
  ctx: ReconcileContext<SecretObj>,
  err: VaultUnavailableError,
): Promise<void> {
  deps.retrySoon?.(objectKey(obj), deps.outageRetryMs ?? 5_000);
  const row = await readSecretRow(deps.pool, obj.metadata.uid!).catch(() => undefined);
  const problem = { reason: SecretReasons.VaultUnavailable, message: `${err.message}; retrying` };
  // Not guarded by the resourceVersion read: the reconcile may have changed the object (its finalizer) before
  // the outage met it, and this says only what the conditions and versions are now.
  await writeStatus(ctx.kc, kind.resource, obj, kind.status(obj, row, problem, new Date(ctx.clock.now())), {
    optimistic: false,
    written: ctx.wrote,
  }).catch((writeErr: unknown) => ctx.log.debug({ err: String(writeErr) }, 'could not show the outage'));
}

/** Registers the controller with `add` (controllers/index.ts), wiring its quick retry to its own queue. */
export function addManagedSecretController(
  add: (spec: ControllerSpec<SecretObj>) => Controller<SecretObj>,
  deps: Omit<SecretDeps, 'retrySoon'>,
): Controller<SecretObj> {
  const holder: { controller?: Controller<SecretObj> } = {};
  holder.controller = add(
    managedSecretController({ ...deps, retrySoon: (key, ms) => holder.controller?.queue.addAfter(key, ms) }),
  );
  return holder.controller;
}
