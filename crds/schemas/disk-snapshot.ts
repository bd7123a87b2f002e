// DiskSnapshot: a point-in-time copy of a Volume of the same namespace, taken by the cloud provider and kept
// apart from the volume (it outlives it). Its manifest (source volume, size, zone, time taken, tenant and the
// Volume's spec at that time) is kept in the object store; a Volume with spec.source.diskSnapshot is created
// from it. Named so that it does not clash with the CSI VolumeSnapshot.
import { z } from 'zod';
import { unchanged } from './cel.ts';
import { conditionSchema, formatted, type ObjectMeta } from './common.ts';
import { driftStatusSchema, managedSpecFields } from './managed.ts';

/** A Kubernetes object name (DNS-1123 subdomain), as another object of the namespace is named. */
export const objectNameSchema = formatted(
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  'a Kubernetes object name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
  253,
);

export const diskSnapshotSpecSchema = z.object({
  /** The Volume (same namespace) the snapshot is taken of; fixed once created. */
  source: z.object({ volume: objectNameSchema }),
  ...managedSpecFields,
});

export const diskSnapshotPhases = ['Pending', 'Creating', 'Ready', 'Failed', 'Deleting', 'Deleted'] as const;
export type DiskSnapshotPhase = (typeof diskSnapshotPhases)[number];

export const diskSnapshotStatusSchema = z.object({
  phase: z.enum(diskSnapshotPhases).optional(),
  observedGeneration: z.number().int().optional(),
  /** The size of the volume when the snapshot was taken; a Volume restored from it needs at least this. */
  sizeGiB: z.number().int().optional(),
  providerId: z.string().optional(),
  operationId: z.string().optional(),
  /** When the provider took the snapshot (UTC, RFC 3339). */
  createdAt: z.string().optional(),
  /** The volume it was taken of, as it was then. */
  sourceVolume: z
    .object({ name: z.string(), providerId: z.string().optional(), zone: z.string().optional() })
    .optional(),
  /** Where its manifest is in the object store: s3://bucket/key. */
  manifest: z.string().max(1024).optional(),
  message: z.string().max(1024).optional(),
  conditions: z.array(conditionSchema).max(16).optional(),
  drift: driftStatusSchema.optional(),
});

export type DiskSnapshotSpec = z.infer<typeof diskSnapshotSpecSchema>;
export type DiskSnapshotStatus = z.infer<typeof diskSnapshotStatusSchema>;
export interface DiskSnapshot {
  apiVersion: 'omnicloud.io/v1alpha1';
  kind: 'DiskSnapshot';
  metadata: ObjectMeta;
  spec: DiskSnapshotSpec;
  status?: DiskSnapshotStatus;
}

export const diskSnapshotKind = {
  kind: 'DiskSnapshot',
  plural: 'disksnapshots',
  singular: 'disksnapshot',
  shortNames: ['dsnap'],
  scope: 'Namespaced',
  spec: diskSnapshotSpecSchema,
  status: diskSnapshotStatusSchema,
  printerColumns: [
    { name: 'Volume', type: 'string', jsonPath: '.spec.source.volume' },
    { name: 'Size', type: 'integer', jsonPath: '.status.sizeGiB' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Taken', type: 'string', jsonPath: '.status.createdAt', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  rules: {
    '': [unchanged('source.volume', 'present', 'a snapshot is of one volume; create a new DiskSnapshot instead')],
  },
} as const;
