// The Bucket kind on the managed reconciler: an S3 bucket made, kept and removed on the S3 server, with the
// tenant's own credentials delivered as a Secret. Each step reads the recorded row in infra_db, does one thing
// outside, and records the result with its event in one transaction, so a crash at any line resumes from the
// row with nothing made twice.
import type * as k8s from '@kubernetes/client-node';
import * as Minio from 'minio';
import type { Pool } from 'pg';
import type { ControllerSpec } from '../../operator/controller.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import type { S3Endpoint } from '../../operator/endpoints.ts';
import { bucketSpecSchema, type Bucket, type BucketSpec } from '../../crds/schemas/bucket.ts';
import { operatorS3Client, s3ClientOptions } from '../backing/s3.ts';
import { invalidSpec } from '../invalid-spec.ts';
import type { ManagedKind } from '../managed/kind.ts';
import { policiesOf } from '../managed/policies.ts';
import { managedController } from '../managed/reconciler.ts';
import { validateBucket } from '../../webhooks/bucket.ts';
import { bucketClient, type BucketState } from './client.ts';
import { credentialsOfLabel } from './credentials.ts';
import { s3Admin, type S3Admin } from './s3-admin.ts';
import { bucketServer, isS3Unavailable, type BucketServer } from './server.ts';
import { BucketReasons, bucketStatus } from './status.ts';
import { BucketPhaseConflict, type BucketRow } from './store.ts';

export const bucketFinalizer = 'omnicloud.io/bucket-cleanup';
export const bucketResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Bucket',
  plural: 'buckets',
  namespaced: true,
};

export interface BucketDeps {
  pool: Pool;
  kc: k8s.KubeConfig;
  server: BucketServer;
  /** The S3 server's account administration with the operator's IAM-admin keys; without it no credentials. */
  admin?: S3Admin;
  onOutbox?: () => void;
  /** How often a bucket is compared with the server; 30 s by default. */
  observeIntervalMs?: number;
}

export type BucketObj = Bucket & k8s.KubernetesObject;

/** The deps for an S3 endpoint as the operator's environment gives it. */
export function bucketBackends(s3: S3Endpoint): Pick<BucketDeps, 'server' | 'admin'> {
  const options = s3ClientOptions(s3, s3);
  const rescue = s3.admin && new Minio.Client(s3ClientOptions(s3, s3.admin));
  return {
    server: bucketServer(operatorS3Client(s3), options, s3.endpoint, rescue),
    admin: s3.admin && s3Admin({ endpoint: s3.endpoint, region: s3.region, ...s3.admin }),
  };
}

export function bucketKind(deps: BucketDeps): ManagedKind<BucketObj, BucketSpec, BucketRow, BucketState> {
  return {
    kind: 'Bucket',
    resource: bucketResource,
    finalizer: bucketFinalizer,
    client: bucketClient(deps),
    readSpec(obj, row) {
      const parsed = bucketSpecSchema.safeParse(obj.spec);
      const invalid = invalidSpec(validateBucket(row ? 'UPDATE' : 'CREATE', obj));
      if (!invalid && parsed.success) return { spec: parsed.data };
      return {
        invalid: invalid?.message ?? 'the spec does not parse',
        spec: row && parsed.success ? parsed.data : undefined,
      };
    },
    managementOf: policiesOf,
    driftRules: {
      severity: { versioning: 'functional', access: 'security' },
    },
    status: (obj, row, problem, now) => bucketStatus(obj, row, problem, now, deps.server.endpoint),
    phaseEvent(row, before) {
      if (row.phase === 'Available' && before.phase === 'Creating')
        return { warning: false, reason: BucketReasons.Available, note: `bucket ${row.bucket_name} created` };
      if (row.phase === 'Available' && before.phase === 'Rotating')
        return {
          warning: false,
          reason: BucketReasons.CredentialsDelivered,
          note: `credentials for bucket ${row.bucket_name} delivered in Secret ${row.secret_name}`,
        };
      return undefined;
    },
    problemOf(err) {
      if (err instanceof BucketPhaseConflict)
        return { reason: 'Conflict', message: err.message, retryMs: 500 };
      if (isS3Unavailable(err))
        return {
          reason: BucketReasons.S3Unavailable,
          message: `the S3 server is unavailable: ${(err as Error).message}; retrying`,
          retryMs: 5_000,
        };
      return undefined;
    },
    reasons: { InvalidSpec: BucketReasons.InvalidSpec, ProviderUnavailable: BucketReasons.S3Unavailable },
    observeIntervalMs: deps.observeIntervalMs ?? 30_000,
  };
}

export function bucketController(deps: BucketDeps): ControllerSpec<BucketObj> {
  return {
    ...managedController(bucketKind(deps), { pool: deps.pool, onOutbox: deps.onOutbox }),
    // A credentials Secret deleted or edited wakes its Bucket, which delivers it again.
    owns: [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        plural: 'secrets',
        namespaced: true,
        labelSelector: credentialsOfLabel,
      },
    ],
  };
}
