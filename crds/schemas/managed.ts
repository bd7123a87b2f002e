// What every kind backed by an outside system shares: how much of the outside resource OmniCloud manages, what
// happens to it when the object is deleted, what to do when it drifts from the spec, and the drift status.
import { z } from 'zod';
import { distinct } from './cel.ts';
import { formatted } from './common.ts';

/** Binds an object to an outside resource that already exists instead of creating one. */
export const externalNameAnnotation = 'omnicloud.io/external-name';
/** Approves one remediation plan, by the hash shown in status.drift.plan.hash. */
export const approvePlanAnnotation = 'omnicloud.io/approve-plan';

/**
 * How much of the outside resource is managed:
 * - Full: create, update (spec changes and drift), delete;
 * - ObserveOnly: only report what the outside system has (an existing resource named by the external-name
 *   annotation); nothing is created, changed or deleted;
 * - NoUpdate: create and delete, but never change it after creation (drift is reported, never reverted);
 * - NoDelete: create and update, and leave it in place when the object is deleted.
 * It may change at any time: that is how a user takes over an outside resource (ObserveOnly, then Full) or
 * lets it go (ObserveOnly or NoDelete, then delete the object).
 */
export const managementPolicies = ['Full', 'ObserveOnly', 'NoUpdate', 'NoDelete'] as const;
export type ManagementPolicy = (typeof managementPolicies)[number];

/**
 * What deleting the object does outside: Delete removes the outside resource, Orphan leaves it. Only Full and
 * NoUpdate ever delete: under ObserveOnly and NoDelete the outside resource stays whatever this says, so
 * ObserveOnly beside the default Delete is accepted (as Crossplane users expect), not refused.
 */
export const deletionPolicies = ['Delete', 'Orphan'] as const;
export type DeletionPolicy = (typeof deletionPolicies)[number];

/** revert puts the desired value back; accept takes the outside value with no finding; alert reports only. */
export const driftActions = ['revert', 'accept', 'alert'] as const;
export type DriftAction = (typeof driftActions)[number];

export const driftTypes = [
  'value_changed',
  'key_added',
  'key_removed',
  'type_mismatch',
  'resource_missing',
  'resource_extra',
] as const;
export type DriftType = (typeof driftTypes)[number];

export const driftSeverities = ['cosmetic', 'functional', 'security', 'critical'] as const;
export type DriftSeverity = (typeof driftSeverities)[number];

/**
 * A field path as drift records name it: `powerState`, `securityGroups[0].ingress[2].ports`, `subnets[web]`.
 * Printable ASCII only, so that zod (which counts UTF-16 units) and the API server (which counts characters)
 * agree on every length, and no control character hides in a bracket.
 */
export const driftPathSchema = formatted(
  /^[A-Za-z][A-Za-z0-9]*(\[[!-\\^-~]{1,63}\]|\.[A-Za-z][A-Za-z0-9]*)*$/,
  'a field path such as powerState or securityGroups[0].ingress: field names joined by dots, with [index] or [name] after a list',
  253,
);

/** At most this many overrides: it bounds the API server's cost of the rule that each path is listed once. */
export const maxDriftOverrides = 32;

export const driftPolicySchema = z.object({
  /** What to do with drift on any field no override names. */
  default: z.enum(driftActions).default('revert'),
  /**
   * Per-field actions; a path also covers every field below it; the longest matching path wins, so each path
   * is listed once (zod here, and the API server by the CEL rule beside it, refuse a second).
   */
  overrides: z
    .array(z.object({ path: driftPathSchema, action: z.enum(driftActions) }))
    .max(maxDriftOverrides)
    .superRefine((overrides, ctx) => {
      const first = new Map<string, number>();
      overrides.forEach(({ path }, i) => {
        if (first.has(path)) ctx.addIssue({ code: 'custom', path: [i, 'path'], message: `${path} is listed twice` });
        else first.set(path, i);
      });
    })
    .meta({
      'x-kubernetes-validations': [
        distinct('driftPolicy.overrides', 'path', '%s is listed twice', 'each override path may be listed once'),
      ],
    })
    .default([]),
});
export type DriftPolicy = z.infer<typeof driftPolicySchema>;

/** The spec fields every managed kind has, spread into its spec schema. */
export const managedSpecFields = {
  managementPolicy: z.enum(managementPolicies).default('Full'),
  deletionPolicy: z.enum(deletionPolicies).default('Delete'),
  driftPolicy: driftPolicySchema.default({ default: 'revert', overrides: [] }),
};

const shownValue = z.string().max(256);

export const driftRecordStatusSchema = z.object({
  path: z.string().max(253),
  type: z.enum(driftTypes),
  severity: z.enum(driftSeverities),
  desired: shownValue.optional(),
  actual: shownValue.optional(),
  action: z.enum(driftActions),
});

export const driftStatusSchema = z.object({
  /**
   * When the outside resource was compared with the spec and found as shown (UTC); kept while later comparisons
   * find the same, so an unchanged object's status is not rewritten.
   */
  observedAt: z.string().optional(),
  total: z.number().int().min(0),
  counts: z.object({
    cosmetic: z.number().int().min(0),
    functional: z.number().int().min(0),
    security: z.number().int().min(0),
    critical: z.number().int().min(0),
  }),
  /** The first records, most severe first. */
  records: z.array(driftRecordStatusSchema).max(10).default([]),
  /** The changes that would put the outside resource back, when some are to be reverted. */
  plan: z
    .object({
      hash: z.string().max(64),
      changes: z.array(z.string().max(512)).max(20),
      /** True while a security or critical change waits for the approve-plan annotation. */
      awaitingApproval: z.boolean(),
    })
    .optional(),
});
export type DriftStatus = z.infer<typeof driftStatusSchema>;
