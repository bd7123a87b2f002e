// Admission rules for ManagedSecrets: exactly one of spec.source and spec.generate, a rotation only for a
// generated value with a period read strictly, and, once created, no switch between source and generate and
// no move of the synced Secret; the omnicloud.io/rotate-at annotation is a short printable value, and an
// external name is a KV path this tenant may adopt. The CRD's CEL rules (crds/schemas/managed-secret-rules.ts)
// refuse the spec's part in the same words, for clusters that run without the webhook.
import { managedSecretSpecSchema, rotateAtAnnotation } from '../crds/schemas/managed-secret.ts';
import { externalNameAnnotation } from '../crds/schemas/managed.ts';
import { adoptionPathProblem } from '../controllers/secret/path.ts';
import { parsePeriod } from '../controllers/secret/rotation.ts';
import { tenantOfNamespace } from '../controllers/tenant/children.ts';
import { annotationField, annotationProblems, type ManagedObject } from './managed.ts';
import type { Problem } from './review.ts';
import { schemaProblems } from './rules.ts';

interface SecretLike extends ManagedObject {
  spec?: unknown;
}

const maxRotateAt = 64;

function annotationsOf(object: ManagedObject | undefined): Record<string, unknown> {
  const a = (object?.metadata as { annotations?: unknown } | undefined)?.annotations;
  return typeof a === 'object' && a !== null ? (a as Record<string, unknown>) : {};
}

/** The secret's own annotations' problems, judged when they are set or changed. */
export function secretAnnotationProblems(object: SecretLike, oldObject?: SecretLike): Problem[] {
  const problems = annotationProblems(object, oldObject);
  const now = annotationsOf(object);
  const before = annotationsOf(oldObject);
  const rotateAt = now[rotateAtAnnotation];
  if (typeof rotateAt === 'string' && rotateAt !== before[rotateAtAnnotation]) {
    if (rotateAt.length === 0 || rotateAt.length > maxRotateAt || !/^[\x21-\x7e]+$/.test(rotateAt))
      problems.push({
        field: annotationField(rotateAtAnnotation),
        message: `must be 1 to ${maxRotateAt} printable characters with no spaces, such as the time of the request (2026-01-31T12:00:00Z); each new value rotates once`,
      });
  }
  const external = now[externalNameAnnotation];
  if (typeof external === 'string' && external !== before[externalNameAnnotation] && problems.length === 0) {
    const namespace = (object.metadata as { namespace?: unknown } | undefined)?.namespace;
    const problem = adoptionPathProblem(
      external,
      tenantOfNamespace(typeof namespace === 'string' ? namespace : ''),
    );
    if (problem) problems.push({ field: annotationField(externalNameAnnotation), message: problem });
  }
  return problems;
}

export function validateManagedSecret(
  operation: string,
  object: SecretLike,
  oldObject?: SecretLike,
): Problem[] {
  if (operation !== 'CREATE' && operation !== 'UPDATE') return [];
  const parsed = managedSecretSpecSchema.safeParse(object.spec);
  if (!parsed.success)
    return [...schemaProblems(parsed.error), ...secretAnnotationProblems(object, oldObject)];
  const spec = parsed.data;
  const problems: Problem[] = [];
  if (spec.rotation && !spec.generate)
    problems.push({
      field: 'spec.rotation',
      message:
        'only a generated value is rotated; a value copied from spec.source changes when its Secret does',
    });
  const every = spec.rotation?.every;
  if (every) {
    const period = parsePeriod(every);
    if ('problem' in period) problems.push({ field: 'spec.rotation.every', message: period.problem });
  }
  const old =
    operation === 'UPDATE' && oldObject ? managedSecretSpecSchema.safeParse(oldObject.spec) : undefined;
  if (old?.success) {
    if ((old.data.source === undefined) !== (spec.source === undefined))
      problems.push({
        field: 'spec.source',
        message: 'cannot switch between spec.source and spec.generate; create a new ManagedSecret instead',
      });
    if (old.data.target.name !== spec.target.name)
      problems.push({
        field: 'spec.target.name',
        message: `is immutable (was ${old.data.target.name ?? 'unset'}); the synced Secret cannot move; create a new ManagedSecret instead`,
      });
  }
  problems.push(...secretAnnotationProblems(object, oldObject));
  return problems;
}
