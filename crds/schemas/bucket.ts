// Bucket: an S3 bucket on the S3 server (versitygw locally, any S3 API in a user's cluster) with versioning,
// an object quota, lifecycle rules, and credentials of the tenant's own (an account of the server's IAM that
// reaches this bucket only, read-only or read-write), delivered as a Kubernetes Secret and rotated on request.
import { z } from 'zod';
import { conditionSchema, formatted, type ObjectMeta } from './common.ts';
import { driftStatusSchema, managedSpecFields } from './managed.ts';
import { bucketRules } from './bucket-rules.ts';

export const versioningStates = ['Enabled', 'Suspended'] as const;
export type VersioningState = (typeof versioningStates)[number];
export const bucketAccessModes = ['ReadWrite', 'ReadOnly'] as const;
export type BucketAccess = (typeof bucketAccessModes)[number];

/** The longest lifecycle period taken: 100 years. */
export const maxLifecycleDays = 36500;

/** A Kubernetes Secret name (DNS-1123 subdomain). */
export const secretNameSchema = formatted(
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  'a Kubernetes object name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
  253,
);

export const bucketSpecSchema = z.object({
  /** Enabled keeps every version of every object; Suspended keeps only the latest (S3's two states). */
  versioning: z.enum(versioningStates).default('Enabled'),
  /** Held by the operator: past it, the tenant's credentials can only read (status shows usage). */
  quota: z
    .object({
      maxObjects: z.number().int().min(1).max(1e12).optional(),
      maxBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    })
    .optional(),
  /** Expiration rules, asked of the S3 server (versitygw's posix backend does not implement them). */
  lifecycle: z
    .object({
      expireCurrentAfterDays: z.number().int().min(1).max(maxLifecycleDays).optional(),
      expireNoncurrentAfterDays: z.number().int().min(1).max(maxLifecycleDays).optional(),
    })
    .optional(),
  /** What the tenant's credentials may do in the bucket. */
  access: z.enum(bucketAccessModes).default('ReadWrite'),
  credentials: z
    .object({
      /** The Secret the credentials are delivered in; `<name>-s3-credentials` by default. */
      secretName: secretNameSchema.optional(),
      /** Any new value (a timestamp reads best) replaces the key pair once; the old one stops working. */
      rotateAt: z.string().min(1).max(64).optional(),
    })
    .default({}),
  /** Delete the bucket with everything in it; otherwise a bucket that holds objects is not deleted. */
  forceDelete: z.boolean().default(false),
  ...managedSpecFields,
});

export const bucketPhases = ['Pending', 'Creating', 'Available', 'Rotating', 'Deleting', 'Deleted', 'Failed'] as const;
export type BucketPhase = (typeof bucketPhases)[number];

export const bucketStatusSchema = z.object({
  phase: z.enum(bucketPhases).optional(),
  observedGeneration: z.number().int().optional(),
  /** The bucket's name at the S3 server. */
  bucketName: z.string().max(63).optional(),
  /** The same, as the managed kinds name the outside resource (the external-name annotation binds to it). */
  providerId: z.string().max(63).optional(),
  endpoint: z.string().max(512).optional(),
  /** The Secret holding the tenant's credentials (never the credentials themselves). */
  secretName: z.string().max(253).optional(),
  rotatedAt: z.string().optional(),
  usage: z
    .object({
      objects: z.number().int().min(0),
      bytes: z.number().int().min(0),
      observedAt: z.string(),
    })
    .optional(),
  message: z.string().max(1024).optional(),
  conditions: z.array(conditionSchema).max(16).optional(),
  drift: driftStatusSchema.optional(),
});

export type BucketSpec = z.infer<typeof bucketSpecSchema>;
export type BucketStatus = z.infer<typeof bucketStatusSchema>;
export interface Bucket {
  apiVersion: 'omnicloud.io/v1alpha1';
  kind: 'Bucket';
  metadata: ObjectMeta;
  spec: BucketSpec;
  status?: BucketStatus;
}

export const bucketKind = {
  kind: 'Bucket',
  plural: 'buckets',
  singular: 'bucket',
  shortNames: ['obkt'],
  scope: 'Namespaced',
  spec: bucketSpecSchema,
  status: bucketStatusSchema,
  printerColumns: [
    { name: 'Bucket', type: 'string', jsonPath: '.status.bucketName' },
    { name: 'Versioning', type: 'string', jsonPath: '.spec.versioning' },
    { name: 'Objects', type: 'integer', jsonPath: '.status.usage.objects' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Drift', type: 'integer', jsonPath: '.status.drift.total', priority: 1 },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  rules: bucketRules,
} as const;
