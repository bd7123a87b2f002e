// Admission rules the kinds backed by an outside resource (Compute, Volume, Network) share beyond their spec
// schema: the annotation that binds an object to an outside resource (omnicloud.io/external-name) and the
// one that approves a remediation plan (omnicloud.io/approve-plan). A CRD's CEL rules cannot read
// annotations, so these rules are the webhook's and the controllers' alone. The spec's managed fields
// (crds/schemas/managed.ts) need nothing here: zod refuses a bad driftPolicy in the CEL rules' words.
import { approvePlanAnnotation, externalNameAnnotation } from '../crds/schemas/managed.ts';
import type { Problem } from './review.ts';

/** An object of a managed kind as admission sees it: nothing in it is trusted to have its schema's shape. */
export interface ManagedObject {
  kind?: unknown;
  metadata?: unknown;
  status?: unknown;
}

/** The longest provider id taken: a DNS name's length, more than any provider's ids need. */
export const maxExternalNameLength = 253;

/** A plan hash as status.drift.plan.hash shows it. */
const planHash = /^[0-9a-f]{16,64}$/;

const whitespaceOrControl = /[\s\p{Cc}]/u;

/** How a refusal names an annotation, as the API server names a map's key: metadata.annotations[<key>]. */
export const annotationField = (key: string): string => `metadata.annotations[${key}]`;

function annotation(object: ManagedObject | undefined, key: string): string | undefined {
  const annotations = (object?.metadata as { annotations?: unknown } | null | undefined)?.annotations;
  if (typeof annotations !== 'object' || annotations === null) return undefined;
  const value = (annotations as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** The outside resource the object's status records, if any. */
function recordedProviderId(object: ManagedObject | undefined): string | undefined {
  const status = object?.status;
  if (typeof status !== 'object' || status === null) return undefined;
  const id = (status as { providerId?: unknown }).providerId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Characters a URL reads as its query, fragment or an escape, or some servers as a path separator. */
const urlSyntax = /[?#%\\]/u;

/**
 * Why the name would read as a URL or a path rather than one id, or undefined: the name goes to the provider
 * as a path segment, and a URL resolves "." and ".." steps before any provider sees them, so `.` or `..` would
 * reach another route (a listing, another collection) than the resource asked for.
 */
function urlOrPathProblem(characters: readonly string[]): string | undefined {
  const at = characters.findIndex((c) => urlSyntax.test(c));
  if (at >= 0) return `"${characters[at]}" at character ${at + 1}`;
  const parts = characters.join('').split('/');
  if (parts.some((p) => p === '')) return 'an empty part between slashes (or one at either end)';
  const step = parts.find((p) => p === '.' || p === '..');
  if (step !== undefined) return `a "${step}" path step`;
  return undefined;
}

/** What is wrong with an external name as a provider id, or undefined when it is one. */
export function externalNameProblem(value: string): string | undefined {
  const example = "it must be the provider's id of the outside resource, such as i-0a1b2c3d4e5f";
  const accepted = `${example}: 1 to ${maxExternalNameLength} characters, none of them whitespace or control characters`;
  const characters = [...value];
  if (characters.length === 0) return `is empty; ${accepted}`;
  if (characters.length > maxExternalNameLength) return `has ${characters.length} characters; ${accepted}`;
  const at = characters.findIndex((c) => whitespaceOrControl.test(c));
  if (at >= 0) return `has whitespace or a control character at character ${at + 1}; ${accepted}`;
  const urlish = urlOrPathProblem(characters);
  if (urlish)
    return (
      `reads as a URL or a path, not a provider id: it has ${urlish}; ${example}, ` +
      'with no "?", "#", "%" or "\\", and no empty, "." or ".." part between slashes'
    );
  return undefined;
}

/** What is wrong with a plan approval, or undefined when it reads as a plan hash. */
export function approvePlanProblem(value: string): string | undefined {
  if (planHash.test(value)) return undefined;
  return 'must be the hash of the plan to approve, as status.drift.plan.hash shows it: 16 to 64 lower-case hexadecimal digits (0-9, a-f)';
}

/**
 * The annotations' problems on a create, or on an update from `oldObject`. Each annotation is judged when it
 * is set or changed, never again on an update that leaves it alone, so an object annotated before these rules
 * can still be labelled and lose its finalizers. Once the status records an outside resource, the external
 * name may not point elsewhere: the object would silently let go of one resource and take over another.
 */
export function annotationProblems(object: ManagedObject, oldObject?: ManagedObject): Problem[] {
  const problems: Problem[] = [];
  const judge = (key: string, problemOf: (value: string) => string | undefined) => {
    const value = annotation(object, key);
    if (value === undefined || value === annotation(oldObject, key)) return;
    const message = problemOf(value);
    if (message) problems.push({ field: annotationField(key), message });
  };
  judge(externalNameAnnotation, externalNameProblem);
  judge(approvePlanAnnotation, approvePlanProblem);

  const recorded = recordedProviderId(oldObject);
  const boundTo = annotation(oldObject, externalNameAnnotation) ?? recorded;
  const now = annotation(object, externalNameAnnotation);
  // A name that is no provider id at all is refused above as such.
  const rebound = now !== undefined && now !== boundTo && externalNameProblem(now) === undefined;
  if (recorded !== undefined && rebound) {
    const kind = typeof object.kind === 'string' ? object.kind : 'object';
    problems.push({
      field: annotationField(externalNameAnnotation),
      message:
        `cannot change from ${boundTo} to ${now}: this ${kind} is bound to the outside resource ${boundTo}; ` +
        `to bind another, set spec.deletionPolicy: Orphan, delete the ${kind} (${boundTo} stays) ` +
        `and create it again with the new ${externalNameAnnotation}`,
    });
  }
  return problems;
}
