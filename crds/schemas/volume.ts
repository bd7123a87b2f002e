// Volume: a block volume in one zone, of a type and a size in GiB. It can grow, never shrink; its size is
// what storage is billed by (GiB-hours from Available until it is deleted).
import { z } from 'zod';
import { celFormat, unchangedFields, zoneInRegion, zoneOutsideRegion } from './cel.ts';
import { conditionSchema, type ObjectMeta } from './common.ts';
import { driftStatusSchema, managedSpecFields } from './managed.ts';
import { objectNameSchema } from './disk-snapshot.ts';

export const volumeTypes = ['standard', 'ssd'] as const;
export type VolumeType = (typeof volumeTypes)[number];

/** The largest volume the providers OmniCloud drives offer: 64 TiB. */
export const maxVolumeGiB = 65536;

export const volumeSpecSchema = z.object({
  region: z.string().min(1).max(63),
  zone: z.string().min(1).max(63),
  sizeGiB: z.number().int().min(1).max(maxVolumeGiB),
  type: z.enum(volumeTypes).default('standard'),
  /** Restore: the volume is created from this DiskSnapshot of the same namespace; fixed once created. */
  source: z.object({ diskSnapshot: objectNameSchema }).optional(),
  ...managedSpecFields,
});

export const volumePhases = [
  'Pending',
  'Creating',
  'Available',
  'Resizing',
  'Deleting',
  'Deleted',
  'Failed',
] as const;
export type VolumePhase = (typeof volumePhases)[number];

export const volumeStatusSchema = z.object({
  phase: z.enum(volumePhases).optional(),
  observedGeneration: z.number().int().optional(),
  /** The size the provider has now; it trails spec.sizeGiB while a resize is under way. */
  sizeGiB: z.number().int().optional(),
  providerId: z.string().optional(),
  operationId: z.string().optional(),
  /** The Compute (same namespace) the volume is attached to, when it is. */
  attachedTo: z.string().max(253).optional(),
  /** The DiskSnapshot the volume was created from, with its provider id. */
  restoredFrom: z.object({ diskSnapshot: z.string(), providerId: z.string().optional() }).optional(),
  message: z.string().max(1024).optional(),
  conditions: z.array(conditionSchema).max(16).optional(),
  drift: driftStatusSchema.optional(),
});

export type VolumeSpec = z.infer<typeof volumeSpecSchema>;
export type VolumeStatus = z.infer<typeof volumeStatusSchema>;
export interface Volume {
  apiVersion: 'omnicloud.io/v1alpha1';
  kind: 'Volume';
  metadata: ObjectMeta;
  spec: VolumeSpec;
  status?: VolumeStatus;
}

export const volumeKind = {
  kind: 'Volume',
  plural: 'volumes',
  singular: 'volume',
  shortNames: ['ovol'],
  scope: 'Namespaced',
  spec: volumeSpecSchema,
  status: volumeStatusSchema,
  printerColumns: [
    { name: 'Zone', type: 'string', jsonPath: '.spec.zone' },
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Size', type: 'integer', jsonPath: '.status.sizeGiB' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Drift', type: 'integer', jsonPath: '.status.drift.total', priority: 1 },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  rules: {
    '': [
      {
        // Judged when the volume is created (or moved, which the rules below refuse), as the webhook judges
        // it: an older volume in a zone judged otherwise then can still grow.
        rule: `oldSelf.hasValue() && oldSelf.value().region == self.region && oldSelf.value().zone == self.zone || ${zoneInRegion('self.zone', 'self.region')}`,
        optionalOldSelf: true,
        message: 'spec.zone must be a zone of spec.region, named after it (eu-west-1a in eu-west-1)',
        messageExpression: zoneOutsideRegion('spec.zone', 'self.zone', 'self.region'),
      },
      ...unchangedFields({ region: 'present', zone: 'present', type: 'present' }, 'create a new Volume instead'),
      {
        rule: 'has(self.source) == has(oldSelf.source) && (!has(self.source) || self.source == oldSelf.source)',
        message: 'spec.source is immutable; a volume is created from a snapshot once: create a new Volume instead',
      },
      {
        rule: 'self.sizeGiB >= oldSelf.sizeGiB',
        message: 'spec.sizeGiB can grow but never shrink; create a smaller Volume and copy the data instead',
        messageExpression: celFormat(
          'spec.sizeGiB: cannot shrink from %d to %d GiB: a volume can grow but never shrink; set at least %d, or create a smaller Volume and copy the data',
          ['oldSelf.sizeGiB', 'self.sizeGiB', 'oldSelf.sizeGiB'],
        ),
      },
    ],
  },
} as const;
