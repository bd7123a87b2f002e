// The Bucket's external client for the managed reconciler: its lifecycle steps (steps.ts), what the S3 server
// has of the bucket (versioning and the access its policy gives the tenant, compared for drift; usage, held
// against the quota), the Secret checked on each look (a Secret gone or edited gets the same key re-keyed
// and delivered again), and how drift is put back.
import { TerminalError } from '../../operator/action.ts';
import type { BucketAccess, BucketSpec, VersioningState } from '../../crds/schemas/bucket.ts';
import { withTransaction } from '../db/transaction.ts';
import type { ExternalClient, StepContext } from '../managed/kind.ts';
import { adoptionRefusedByOwner } from '../managed/ownership.ts';
import { readCredentials } from './credentials.ts';
import { bucketSettled, overQuota, secretNameOf, tenantKeys } from './desired.ts';
import { bucketNameFor, bucketNameProblem } from './naming.ts';
import type { ObservedAccess } from './policy.ts';
import type { BucketDeps, BucketObj } from './reconcile.ts';
import type { Usage } from './server.ts';
import { applyBucketStep, deleteBucketStep, releaseBucket, type BucketStepContext } from './steps.ts';
import { moveBucket, readBucket, recordBucket, updateBucket, type BucketRow } from './store.ts';

export interface BucketState {
  versioning: VersioningState;
  access: BucketAccess | ObservedAccess;
}

type Ctx = StepContext<BucketObj, BucketSpec>;

export function bucketClient(
  deps: BucketDeps,
): ExternalClient<BucketObj, BucketSpec, BucketRow, BucketState> {
  const stepsOf = (s: Ctx): BucketStepContext => ({
    pool: deps.pool,
    kc: deps.kc,
    server: deps.server,
    admin: deps.admin,
    obj: {
      metadata: {
        name: s.obj.metadata.name!,
        namespace: s.obj.metadata.namespace!,
        uid: s.obj.metadata.uid!,
      },
    },
    spec: s.spec,
    tenant: s.tenant,
    now: s.now,
    log: s.log,
  });
  const move = (s: Ctx, row: BucketRow, to: BucketRow['phase'], change = {}) =>
    withTransaction(deps.pool, (c) => moveBucket(c, row, to, change, s.tenant, s.now()));

  return {
    read: (uid) => readBucket(deps.pool, uid),
    async record(s, externalId) {
      const base = {
        uid: s.obj.metadata.uid!,
        namespace: s.obj.metadata.namespace!,
        name: s.obj.metadata.name!,
      };
      if (!externalId) {
        const bucket_name = bucketNameFor(s.tenant, base.namespace, base.name);
        return withTransaction(deps.pool, (c) =>
          recordBucket(c, { ...base, bucket_name }, false, s.tenant, s.now()),
        );
      }
      const problem = bucketNameProblem(externalId);
      if (problem)
        throw new TerminalError(`the omnicloud.io/external-name annotation ${problem}`, 'InvalidSpec');
      // Asked of infra_db first: the server is never asked about another tenant's bucket for this one.
      const { rows } = await deps.pool.query<{ namespace: string }>(
        'SELECT DISTINCT namespace FROM buckets WHERE bucket_name = $1',
        [externalId],
      );
      const refusal = adoptionRefusedByOwner(
        'bucket',
        externalId,
        s.tenant,
        rows.map((r) => r.namespace),
      );
      if (refusal) throw refusal;
      const presence = await deps.server.presence(externalId);
      if (presence === 'absent')
        throw new TerminalError(
          `the S3 server has no bucket ${externalId} to adopt; fix the omnicloud.io/external-name annotation`,
          'ExternalResourceNotFound',
        );
      if (presence === 'foreign')
        throw new TerminalError(
          `bucket ${externalId} belongs to another account of the S3 server; only buckets of the operator's account can be adopted`,
          'ExternalResourceNotFound',
        );
      return withTransaction(deps.pool, (c) =>
        recordBucket(c, { ...base, bucket_name: externalId }, true, s.tenant, s.now()),
      );
    },
    async claimedBy(externalId, uid) {
      const { rows } = await deps.pool.query<{ namespace: string; name: string }>(
        `SELECT namespace, name FROM buckets WHERE bucket_name = $1 AND uid <> $2 AND phase <> 'Deleted'`,
        [externalId, uid],
      );
      return rows[0];
    },
    settled: (row, spec) => bucketSettled(row, spec, row.name),
    create: (s, row) => applyBucketStep(stepsOf(s), row),
    delete: (s, row) => deleteBucketStep(stepsOf(s), row),
    gone: (row) => row.phase === 'Deleted',
    release: (s, row) => releaseBucket(stepsOf(s), row),
    // With no tenant key yet (or only observed), the policy gives the tenant nothing, which is what is compared.
    desired: (spec, row) => ({
      versioning: spec.versioning,
      access: tenantKeys(row).length === 0 ? 'None' : row.over_quota ? 'ReadOnly' : spec.access,
    }),
    async observe(row) {
      if (!row.provider_id) return { exists: 'unknown' };
      const presence = await deps.server.presence(row.bucket_name);
      if (presence === 'absent') return { exists: false };
      const [versioning, access, usage] = await Promise.all([
        deps.server.versioning(row.bucket_name),
        deps.server.access(row.bucket_name, tenantKeys(row)),
        deps.server.usage(row.bucket_name),
      ]);
      return { exists: true, state: { versioning, access }, raw: usage };
    },
    async interpret(s, row, raw) {
      const usage = raw as Usage;
      const over = overQuota(s.spec.quota, usage);
      let current = row;
      if (
        String(usage.objects) !== row.object_count ||
        String(usage.bytes) !== row.stored_bytes ||
        over !== row.over_quota
      ) {
        current = await updateBucket(deps.pool, row, {
          object_count: String(usage.objects),
          stored_bytes: String(usage.bytes),
          usage_at: s.now(),
          over_quota: over,
        });
      }
      // Past the quota (or back within it): the tenant's access changes at once, not after the next look.
      if (over !== row.over_quota) return { row: current, action: 'continue' };
      if (!current.access_key) return { row: current };
      const name = secretNameOf(s.spec, current.name);
      const seen = await readCredentials(deps.kc, current.namespace, name, current.uid);
      if (seen.state === 'ours' && seen.complete && seen.accessKey === current.access_key)
        return { row: current };
      // The Secret is gone or was edited: the same account gets a new secret (the old one stops working).
      s.log.info(
        { bucket: current.bucket_name, secret: name },
        'credentials Secret missing or changed; delivering again',
      );
      return {
        row: await move(s, current, 'Rotating', { pending_access_key: current.access_key }),
        action: 'continue',
      };
    },
    async update(s, stale, records, token) {
      // The keys the policy names are read afresh: a rotation may have ended since this reconcile began.
      const row = (await readBucket(deps.pool, stale.uid)) ?? stale;
      for (const r of records) {
        if (r.path === 'versioning') await deps.server.setVersioning(row.bucket_name, s.spec.versioning);
        if (r.path === 'access' || r.path === '$')
          await deps.server.setPolicy(
            row.bucket_name,
            tenantKeys(row),
            row.over_quota ? 'ReadOnly' : s.spec.access,
          );
      }
      return [`done:${token}`];
    },
    async recreate(s, row, why) {
      const failed = await move(s, row, 'Failed', { message: why, create_attempt: row.create_attempt + 1 });
      return { row: await move(s, failed, 'Pending', { message: null }), action: 'continue' };
    },
    // Every change above is made before update() returns.
    operation: async () => 'succeeded',
  };
}
