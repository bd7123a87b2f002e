// Admission rules for Buckets: the spec's schema (quota with at least one limit, lifecycle periods in days),
// an external name that is a valid S3 bucket name, a default credentials Secret name that fits, and a
// credentials Secret name that does not change once set. The CRD's CEL rules (crds/schemas/bucket-rules.ts)
// refuse the same in the same words, for clusters that run without the webhook.
import { bucketSpecSchema } from '../crds/schemas/bucket.ts';
import { externalNameAnnotation } from '../crds/schemas/managed.ts';
import { bucketNameProblem, defaultSecretName } from '../controllers/bucket/naming.ts';
import { annotationField, annotationProblems, type ManagedObject } from './managed.ts';
import type { Problem } from './review.ts';
import { schemaProblems } from './rules.ts';

interface BucketLike extends ManagedObject {
  spec?: unknown;
}

const maxSecretName = 253;

function meta(object: BucketLike | undefined): { name?: string; annotations?: Record<string, unknown> } {
  const m = object?.metadata;
  return typeof m === 'object' && m !== null
    ? (m as { name?: string; annotations?: Record<string, unknown> })
    : {};
}

export function validateBucket(operation: string, object: BucketLike, oldObject?: BucketLike): Problem[] {
  if (operation !== 'CREATE' && operation !== 'UPDATE') return [];
  const annotations = annotationProblems(object, oldObject);
  const parsed = bucketSpecSchema.safeParse(object.spec ?? {});
  if (!parsed.success) return [...schemaProblems(parsed.error), ...annotations];
  const spec = parsed.data;
  const problems: Problem[] = [];
  if (spec.quota && spec.quota.maxObjects === undefined && spec.quota.maxBytes === undefined)
    problems.push({
      field: 'spec.quota',
      message: 'spec.quota: set maxObjects, maxBytes or both (or leave spec.quota out for no quota)',
    });
  const name = meta(object).name;
  if (
    !spec.credentials.secretName &&
    typeof name === 'string' &&
    defaultSecretName(name).length > maxSecretName
  )
    problems.push({
      field: 'spec.credentials.secretName',
      message: `is needed for a Bucket named this long: the default ${name.length + 15}-character name ${'<name>-s3-credentials'} is longer than ${maxSecretName}`,
    });
  const external = meta(object).annotations?.[externalNameAnnotation];
  if (typeof external === 'string' && external !== meta(oldObject).annotations?.[externalNameAnnotation]) {
    const problem = bucketNameProblem(external);
    if (problem) problems.push({ field: annotationField(externalNameAnnotation), message: `${problem}` });
  }
  const old =
    operation === 'UPDATE' && oldObject ? bucketSpecSchema.safeParse(oldObject.spec ?? {}) : undefined;
  if (old?.success && old.data.credentials.secretName !== spec.credentials.secretName)
    problems.push({
      field: 'spec.credentials.secretName',
      message: `is immutable (was ${old.data.credentials.secretName ?? 'the default'}); create a new Bucket to deliver its credentials elsewhere`,
    });
  return [...problems, ...annotations];
}
