// StateSnapshot: scheduled snapshots of a tenant's desired and observed state (its OmniCloud objects and its
// infra_db rows) in the operator's bucket, the newest `keep` kept. Lives in the tenant's namespace.
import { z } from 'zod';
import { conditionSchema, formatted, type ObjectMeta } from './common.ts';

export const minSnapshotEvery = '1m';
export const maxSnapshotEvery = '8784h';

const duration = formatted(/^\d{1,6}(s|m|h)$/, 'a duration such as 30m, 24h or 168h (units s, m, h)', 10);

export const stateSnapshotSpecSchema = z.object({
  schedule: z.object({
    /** How often a snapshot is taken: the first at once, then this long after the last. */
    every: duration,
  }),
  /** How many of the tenant's snapshots are kept; older ones are removed after each new one. */
  keep: z.number().int().min(1).max(1000).default(7),
});

const lastSnapshotSchema = z.object({
  id: z.string(),
  takenAt: z.string(),
  sizeBytes: z.number().int(),
  objectCount: z.number().int(),
  rowCount: z.number().int(),
});

export const stateSnapshotStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  bucket: z.string().optional(),
  lastSnapshot: lastSnapshotSchema.optional(),
  nextSnapshotAt: z.string().optional(),
  /** How many of the tenant's snapshots the bucket holds after the last pruning. */
  snapshots: z.number().int().optional(),
  conditions: z.array(conditionSchema).max(16).optional(),
});

export type StateSnapshotSpec = z.infer<typeof stateSnapshotSpecSchema>;
export type StateSnapshotStatus = z.infer<typeof stateSnapshotStatusSchema>;
export interface StateSnapshot {
  apiVersion: 'omnicloud.io/v1alpha1';
  kind: 'StateSnapshot';
  metadata: ObjectMeta;
  spec: StateSnapshotSpec;
  status?: StateSnapshotStatus;
}

export const stateSnapshotKind = {
  kind: 'StateSnapshot',
  plural: 'statesnapshots',
  singular: 'statesnapshot',
  shortNames: ['ssnap'],
  scope: 'Namespaced',
  spec: stateSnapshotSpecSchema,
  status: stateSnapshotStatusSchema,
  printerColumns: [
    { name: 'Every', type: 'string', jsonPath: '.spec.schedule.every' },
    { name: 'Keep', type: 'integer', jsonPath: '.spec.keep' },
    { name: 'Last', type: 'string', jsonPath: '.status.lastSnapshot.id' },
    { name: 'Objects', type: 'integer', jsonPath: '.status.lastSnapshot.objectCount' },
    { name: 'Size', type: 'integer', jsonPath: '.status.lastSnapshot.sizeBytes' },
    { name: 'Ready', type: 'string', jsonPath: ".status.conditions[?(@.type=='Ready')].status" },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  rules: {
    'schedule.every': [
      {
        rule: `!self.matches('^[0-9]{1,6}(s|m|h)$') || (duration(self) >= duration('${minSnapshotEvery}') && duration(self) <= duration('${maxSnapshotEvery}'))`,
        message: `must be from ${minSnapshotEvery} to ${maxSnapshotEvery} (a year)`,
      },
    ],
  },
} as const;
