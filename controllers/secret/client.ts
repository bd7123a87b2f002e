// The ManagedSecret's external client for the managed reconciler: its steps (steps.ts), what the Vault API
// has of the secret (its current version and history length, from the KV metadata), and what drift means for
// it. A version written behind OmniCloud's back is drift on `version`: reverted (the source's value, or the
// recorded version's value for a generated secret, written again as a new version), accepted (the newer
// version is taken and delivered) or reported, as spec.driftPolicy says; a source that changed is no drift
// but a new value to write; a target Secret deleted or edited is delivered again.
import { TerminalError } from '../../operator/action.ts';
import { externalNameAnnotation } from '../../crds/schemas/managed.ts';
import { actionFor } from '../managed/drift/index.ts';
import type { ExternalClient, StepContext } from '../managed/kind.ts';
import { OwnershipReasons } from '../managed/ownership.ts';
import { tenantOfNamespace } from '../tenant/children.ts';
import { CasConflictError, type KvMetadata } from '../backing/vault.ts';
import { adoptionPathProblem, secretPath } from './path.ts';
import type { SecretDeps, SecretObj } from './reconcile.ts';
import { SecretReasons } from './status.ts';
import {
  applySecretStep,
  deleteSecretStep,
  dueRotation,
  kvKey,
  sourceValue,
  valueOf,
  type SecretSpec,
  type SecretStepContext,
} from './steps.ts';
import {
  liveOwnerOfPath,
  moveSecret,
  namespacesOfPath,
  readSecretRow,
  recordPendingSecret,
  updateSecret,
  type SecretRow,
} from './store.ts';
import { readTarget, targetSecret, writeTarget } from './target.ts';

/** What is compared for drift: the version the Secret should carry, and how many versions are kept. */
export interface SecretState {
  version: number;
  maxVersions: number;
}

type Ctx = StepContext<SecretObj, SecretSpec>;

export function secretClient(
  deps: SecretDeps,
): ExternalClient<SecretObj, SecretSpec, SecretRow, SecretState> {
  const now = deps.now ?? (() => new Date());
  const steps = (s: Ctx): SecretStepContext => ({
    pool: deps.pool,
    vault: deps.vault,
    kc: deps.kc,
    owner: s.obj,
    spec: s.spec,
    now: s.now,
    log: s.log,
  });
  const mayChange = (spec: SecretSpec) =>
    spec.managementPolicy === 'Full' || spec.managementPolicy === 'NoDelete';

  return {
    read: (uid) => readSecretRow(deps.pool, uid),
    async record(s, externalId) {
      const meta = s.obj.metadata;
      if (externalId) {
        const problem = adoptionPathProblem(externalId, s.tenant);
        if (problem)
          throw new TerminalError(`${externalNameAnnotation}: ${externalId} ${problem}`, 'InvalidSpec');
        // Asked of infra_db first: the Vault API is never asked about another tenant's path for this one.
        const holders = await namespacesOfPath(deps.pool, externalId);
        if (holders.some((ns) => tenantOfNamespace(ns) !== s.tenant))
          throw new TerminalError(
            `secret ${externalId} belongs to another tenant and cannot be adopted here; fix the ${externalNameAnnotation} annotation to name a path this tenant created or one made outside OmniCloud`,
            OwnershipReasons.OwnedByAnotherTenant,
          );
        const found = await deps.vault.metadata(externalId);
        if (!found || found.currentVersion === 0)
          throw new TerminalError(
            `the Vault API has no secret at omnicloud/${externalId} to adopt; fix the ${externalNameAnnotation} annotation`,
            'ExternalResourceNotFound',
          );
      }
      return recordPendingSecret(
        deps.pool,
        {
          uid: meta.uid!,
          namespace: meta.namespace!,
          name: meta.name!,
          tenant: s.tenant,
          path: externalId ?? secretPath(s.tenant, meta.namespace!, meta.name!),
          adopted: externalId !== undefined,
        },
        s.now(),
      );
    },
    claimedBy: (externalId, uid) => liveOwnerOfPath(deps.pool, externalId, uid),
    settled: (row, spec) =>
      row.phase === 'Ready' &&
      row.synced_version === row.version &&
      row.version > 0 &&
      !dueRotation(spec, row, now()),
    create: (s, row) => applySecretStep(steps(s), row),
    delete: (s, row) => deleteSecretStep(steps(s), row),
    gone: (row) => row.phase === 'Deleted',
    async release(s, row) {
      // The value stays in the Vault API; the delivered Secret goes with its owner (garbage collection).
      if (row.phase === 'Pending') return moveSecret(deps.pool, row, 'Deleted', {}, s.now());
      const leaving =
        row.phase === 'Deleting' ? row : await moveSecret(deps.pool, row, 'Deleting', {}, s.now());
      return moveSecret(deps.pool, leaving, 'Deleted', {}, s.now());
    },
    desired: (spec, row) => ({ version: row.version, maxVersions: spec.history }),
    async observe(row) {
      const meta = await deps.vault.metadata(row.path);
      if (!meta || meta.currentVersion === 0) return { exists: false };
      // A newer version another replica wrote and recorded since this reconcile read the row is ours, not drift.
      const recorded = meta.currentVersion > row.version ? await readSecretRow(deps.pool, row.uid) : row;
      const ours = (recorded?.version ?? 0) >= meta.currentVersion;
      return {
        exists: true,
        state: { version: ours ? row.version : meta.currentVersion, maxVersions: meta.maxVersions },
        raw: meta,
      };
    },
    async interpret(s, row, raw) {
      const meta = raw as KvMetadata;
      const c = steps(s);
      if (!mayChange(s.spec)) {
        // Observed only (ObserveOnly, NoUpdate): the version found first is recorded as the one to compare with.
        if (row.version === 0)
          return { row: await updateSecret(deps.pool, row, { version: meta.currentVersion }) };
        return undefined;
      }
      // A newer version written outside, under a policy that accepts it: taken and delivered.
      if (meta.currentVersion > row.version && actionFor('version', s.spec.driftPolicy) === 'accept') {
        const latest = await deps.vault.readLatest(row.path);
        const value = latest && valueOf(latest.data);
        if (latest && value !== undefined) {
          const written = await writeTarget(
            deps.kc,
            targetSecret(s.obj, s.spec.targetName, s.spec.target.key, value, latest.version),
            row.uid,
          );
          if (written === 'written') {
            s.log.info(
              { path: row.path, from: row.version, to: latest.version },
              'accepted a version written outside',
            );
            return {
              row: await updateSecret(deps.pool, row, {
                version: latest.version,
                synced_version: latest.version,
              }),
            };
          }
        }
      }
      // A source that changed: its value is written as a new version (no drift: the spec's source says so).
      if (s.spec.source && meta.currentVersion === row.version) {
        const wanted = await sourceValue(c);
        if ('problem' in wanted) return { row, action: { requeueAfterMs: 10_000 }, problem: wanted.problem };
        const latest = await deps.vault.readLatest(row.path);
        if (!latest || valueOf(latest.data) !== wanted.value) {
          s.log.info({ path: row.path }, 'the source Secret changed: writing a new version');
          return { row: await moveSecret(deps.pool, row, 'Writing', {}, s.now()), action: 'continue' };
        }
      }
      // The delivered Secret deleted or edited outside: delivered again.
      const target = await readTarget(deps.kc, row.namespace, row.target ?? s.spec.targetName, row.uid);
      if (target.state === 'taken')
        return {
          row,
          action: { requeueAfterMs: 30_000 },
          problem: {
            reason: SecretReasons.TargetTaken,
            message: `Secret ${s.spec.targetName} exists and is not this ManagedSecret's; it is left alone. Delete it or set spec.target.name to another name`,
          },
        };
      if (
        target.state === 'absent' ||
        target.version !== row.version ||
        !target.key.includes(s.spec.target.key)
      ) {
        s.log.info(
          { secret: s.spec.targetName },
          'the delivered Secret is missing or stale: delivering it again',
        );
        return { row: await updateSecret(deps.pool, row, { synced_version: 0 }), action: 'continue' };
      }
      return undefined;
    },
    async update(s, row, records, token) {
      const c = steps(s);
      if (records.some((r) => r.path === 'maxVersions'))
        await deps.vault.setMetadata(row.path, { maxVersions: s.spec.history });
      const drifted = records.find((r) => r.path === 'version');
      if (drifted) {
        // Written against the version the drift was seen at: a second replica putting the same drift back,
        // or another write since, makes this check-and-set fail instead of writing a second version.
        const seenAt = Number(drifted.actual);
        // Recorded by another replica meanwhile: its own write, nothing to put back.
        const recorded = (await readSecretRow(deps.pool, row.uid))?.version ?? row.version;
        if (Number.isInteger(seenAt) && seenAt > recorded) {
          // The source's value, or the recorded version's; a version no longer kept is replaced by a new value.
          let value: string | undefined;
          if (s.spec.source) {
            const wanted = await sourceValue(c);
            if ('problem' in wanted) throw new TerminalError(wanted.problem.message, wanted.problem.reason);
            value = wanted.value;
          } else {
            const held = await deps.vault.readVersion(row.path, recorded);
            value = held ? valueOf(held.data) : undefined;
          }
          if (value === undefined) return [`vault:${token}:nothing-to-put-back`];
          let version: number;
          try {
            version = await deps.vault.write(row.path, { [kvKey]: value }, seenAt);
          } catch (err) {
            if (!(err instanceof CasConflictError)) throw err;
            s.log.info({ path: row.path, cas: seenAt }, 'check-and-set refused: the drift is judged again');
            return [];
          }
          const next = await updateSecret(deps.pool, row, { version });
          const written = await writeTarget(
            deps.kc,
            targetSecret(s.obj, s.spec.targetName, s.spec.target.key, value, version),
            row.uid,
          );
          if (written === 'written') await updateSecret(deps.pool, next, { synced_version: version });
        }
      }
      return [`vault:${token}`];
    },
    async recreate(s, row, why) {
      s.log.info({ path: row.path }, why);
      const next = await moveSecret(
        deps.pool,
        row,
        'Pending',
        { version: 0, synced_version: 0, rotating_from: null, message: why },
        s.now(),
      );
      return { row: next, action: 'continue' };
    },
    async operation() {
      return 'succeeded';
    },
  };
}
