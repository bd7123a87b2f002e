// ConfigSet: versioned key-values and feature flags for a tenant's workloads, delivered as a ConfigMap in the
// same namespace. Every change of content is a new immutable version kept in infra_db; rollbackTo brings an
// earlier version's content back as a new version.
import { z } from 'zod';
import { formatted, conditionSchema, type ObjectMeta } from './common.ts';
import { configSetRules } from './config-set-rules.ts';
import { driftStatusSchema, managedSpecFields } from './managed.ts';

/** A ConfigMap key, as the API server accepts them: letters, digits, '-', '_' and '.', at most 253. */
export const configKeyPattern = /^[-._a-zA-Z0-9]+$/;
export const configKeySchema = formatted(
  configKeyPattern,
  'a ConfigMap key: letters, digits, - _ and . only (no / or path parts), at most 253 characters',
  253,
);
/** The ConfigMap key that holds the flags as JSON: not a key spec.data may use. */
export const flagsKey = 'flags.json';
/** At most this many keys in spec.data: it bounds the API server's cost of the rule on the keys. */
export const maxDataKeys = 1024;
export const maxFlags = 256;
/** At most this many subjects in one allow or deny list. */
export const maxListedSubjects = 256;
/** What the ConfigMap may hold in all (its data and the flags' JSON): the API server's 1 MiB object limit. */
export const maxConfigBytes = 1024 * 1024;

export const flagNameSchema = formatted(
  /^[A-Za-z0-9]([-._A-Za-z0-9]{0,61}[A-Za-z0-9])?$/,
  'a flag name such as new-checkout: letters, digits, - _ and . (beginning and ending with a letter or digit), at most 63 characters',
  63,
);
const rolloutWords = 'must be a percentage from 0 to 100 (0 is nobody, 100 is everybody)';
const versionWords = 'must be a positive whole version number such as 3, as status.currentVersion counts them';

export const subjectKeySchema = z.string().min(1).max(253);

export const flagSchema = z.object({
  /** Off is off for everyone (a kill switch), whatever the lists and the rollout say. */
  enabled: z.boolean().default(true),
  /** The percentage of subjects (by a stable hash) the flag is on for; on for all when not given. */
  rollout: z.number().min(0, rolloutWords).max(100, rolloutWords).optional(),
  /** Mixed into the hash so that two flags sample different subjects; the flag's name when not given. */
  salt: z.string().min(1).max(63).optional(),
  /** Subjects the flag is on for, whatever the rollout. */
  allow: z.array(subjectKeySchema).max(maxListedSubjects).optional(),
  /** Subjects the flag is off for, whatever the rollout. */
  deny: z.array(subjectKeySchema).max(maxListedSubjects).optional(),
});
export type Flag = z.infer<typeof flagSchema>;

/** A ConfigMap name: a DNS-1123 subdomain, so never a path or another namespace. */
export const configMapNameSchema = formatted(
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  'a ConfigMap name in this namespace: lower-case letters, digits, - and . (a DNS subdomain; no / or namespace)',
  253,
);

export const configSetSpecSchema = z.object({
  data: z
    .record(configKeySchema, z.string())
    .refine((d) => Object.keys(d).length <= maxDataKeys, { message: `at most ${maxDataKeys} keys` })
    .meta({ maxProperties: maxDataKeys })
    .default({}),
  flags: z
    .record(flagNameSchema, flagSchema)
    .refine((f) => Object.keys(f).length <= maxFlags, { message: `at most ${maxFlags} flags` })
    .meta({ maxProperties: maxFlags })
    .default({}),
  /** Brings back the content of this earlier version, as a new version; remove it to follow data and flags again. */
  rollbackTo: z.number().int(versionWords).min(1, versionWords).optional(),
  /** The ConfigMap consumers read, in this namespace; the ConfigSet's name when not given. Fixed once created. */
  configMapName: configMapNameSchema.optional(),
  ...managedSpecFields,
});

export const configSetPhases = ['Pending', 'Applying', 'Synced', 'Deleting', 'Deleted'] as const;
export type ConfigSetPhase = (typeof configSetPhases)[number];

export const configSetStatusSchema = z.object({
  phase: z.enum(configSetPhases).optional(),
  observedGeneration: z.number().int().optional(),
  /** The version the ConfigMap holds. */
  currentVersion: z.number().int().optional(),
  /** sha256 of the version's canonical content (sorted keys). */
  currentHash: z.string().max(64).optional(),
  configMapName: z.string().max(253).optional(),
  /** When the version was rolled back to an earlier one, that one. */
  rolledBackTo: z.number().int().optional(),
  message: z.string().max(1024).optional(),
  conditions: z.array(conditionSchema).max(16).optional(),
  drift: driftStatusSchema.optional(),
});

export type ConfigSetSpec = z.infer<typeof configSetSpecSchema>;
export type ConfigSetStatus = z.infer<typeof configSetStatusSchema>;
export interface ConfigSet {
  apiVersion: 'omnicloud.io/v1alpha1';
  kind: 'ConfigSet';
  metadata: ObjectMeta;
  spec: ConfigSetSpec;
  status?: ConfigSetStatus;
}

export const configSetKind = {
  kind: 'ConfigSet',
  plural: 'configsets',
  singular: 'configset',
  shortNames: ['ocfg'],
  scope: 'Namespaced',
  spec: configSetSpecSchema,
  status: configSetStatusSchema,
  printerColumns: [
    { name: 'Version', type: 'integer', jsonPath: '.status.currentVersion' },
    { name: 'Hash', type: 'string', jsonPath: '.status.currentHash', priority: 1 },
    { name: 'ConfigMap', type: 'string', jsonPath: '.status.configMapName' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  rules: configSetRules,
} as const;
