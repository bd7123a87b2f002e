// Compute: one virtual machine instance, placed on a host by the scheduler and provisioned through the provider.
import { z } from 'zod';
import { celFormat, distinct, unchangedFields, zoneInRegion, zoneOutsideRegion } from './cel.ts';
import { objectNameSchema } from './disk-snapshot.ts';
import { conditionSchema, matchLabelsSchema, quantitySchema, type ObjectMeta } from './common.ts';
import { driftStatusSchema, managedSpecFields } from './managed.ts';

/** Instance sizes: what `size` stands for when vcpu and memory are not given. */
export const instanceSizes = {
  small: { vcpu: 1, memoryMiB: 2048 },
  medium: { vcpu: 2, memoryMiB: 4096 },
  large: { vcpu: 4, memoryMiB: 16384 },
  xlarge: { vcpu: 8, memoryMiB: 32768 },
} as const;
export type InstanceSize = keyof typeof instanceSizes;

export const computePhases = [
  'Pending',
  'Scheduled',
  'Provisioning',
  'Running',
  'Stopping',
  'Stopped',
  'Terminating',
  'Terminated',
  'Failed',
] as const;
export type ComputePhase = (typeof computePhases)[number];

/** Label key=value pairs: keys and values as Kubernetes labels have them (see common.ts). */
const selectorSchema = matchLabelsSchema;

/**
 * The memory an instance may ask for. The least is what an instance can boot with, the controller's
 * minimumMemoryMiB (controllers/compute/spec-rules.ts); the most, what the largest instance the providers
 * OmniCloud drives offer has. Both are compared as the controller counts, in whole MiB rounded up.
 */
export const memoryBounds = { minimumMiB: 256, maximum: '24Ti', maximumMiB: 24 * 1024 * 1024 } as const;

const memorySchema = quantitySchema.meta({
  'x-kubernetes-validations': [
    {
      // Rounded up to whole MiB, anything above 255Mi is at least 256 MiB.
      rule: `!isQuantity(self) || quantity(self).compareTo(quantity('${memoryBounds.minimumMiB - 1}Mi')) > 0`,
      message: `must be at least ${memoryBounds.minimumMiB}Mi, such as 512Mi or 2Gi`,
      messageExpression: celFormat(
        `%s is below the ${memoryBounds.minimumMiB}Mi an instance needs; set at least ${memoryBounds.minimumMiB}Mi, such as 512Mi or 2Gi`,
        ['self'],
      ),
    },
    {
      rule: `!isQuantity(self) || quantity(self).compareTo(quantity('${memoryBounds.maximum}')) <= 0`,
      message: `must be at most ${memoryBounds.maximum}, the memory of the largest instance`,
      messageExpression: celFormat(
        `%s is more than the ${memoryBounds.maximum} of the largest instance; set at most ${memoryBounds.maximum}`,
        ['self'],
      ),
    },
  ],
});

export const computeSpecSchema = z.object({
  region: z.string().min(1).max(63),
  zone: z.string().min(1).max(63).optional(),
  size: z.enum(Object.keys(instanceSizes) as [InstanceSize, ...InstanceSize[]]).optional(),
  vcpu: z.number().int().min(1).max(256).optional(),
  memory: memorySchema.optional(),
  gpu: z.number().int().min(0).max(16).default(0),
  image: z.string().min(1).max(256),
  network: z.string().min(1).max(63),
  subnet: z.string().min(1).max(63),
  securityGroups: z.array(z.string().min(1).max(63)).max(16).default([]),
  placement: z
    .object({
      /** Place in the same zone as an instance matching each selector. */
      affinity: z.array(selectorSchema).max(8).default([]),
      /** Never share a host with an instance matching any selector. */
      antiAffinity: z.array(selectorSchema).max(8).default([]),
      group: z.object({ name: z.string().min(1).max(63), strategy: z.enum(['spread', 'cluster']) }).optional(),
    })
    .default({ affinity: [], antiAffinity: [] }),
  powerState: z.enum(['Running', 'Stopped']).default('Running'),
  /** A public address, held from creation until the instance is deleted (kept while Stopped) and billed hourly. */
  publicIp: z.boolean().default(false),
  /** Volumes of the same namespace attached to the instance (each of its zone, each to one instance only). */
  volumes: z
    .array(z.object({ name: objectNameSchema }))
    .max(16)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach(({ name }, i) => {
        if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `${name} is listed twice` });
        seen.add(name);
      });
    })
    .meta({
      'x-kubernetes-validations': [
        distinct('volumes', 'name', '%s is listed twice', 'each volume may be listed once'),
      ],
    })
    .default([]),
  ...managedSpecFields,
});

export const computeStatusSchema = z.object({
  phase: z.enum(computePhases).optional(),
  observedGeneration: z.number().int().optional(),
  hostId: z.string().optional(),
  zone: z.string().optional(),
  privateIp: z.string().optional(),
  publicIp: z.string().optional(),
  providerId: z.string().optional(),
  operationId: z.string().optional(),
  /** The volumes asked for in spec.volumes, and whether each is attached now. */
  volumes: z
    .array(
      z.object({
        name: z.string(),
        attached: z.boolean(),
        device: z.string().optional(),
        message: z.string().max(512).optional(),
      }),
    )
    .max(16)
    .optional(),
  message: z.string().max(1024).optional(),
  conditions: z.array(conditionSchema).max(16).optional(),
  drift: driftStatusSchema.optional(),
});

export type ComputeSpec = z.infer<typeof computeSpecSchema>;
export type ComputeStatus = z.infer<typeof computeStatusSchema>;
export interface Compute {
  apiVersion: 'omnicloud.io/v1alpha1';
  kind: 'Compute';
  metadata: ObjectMeta;
  spec: ComputeSpec;
  status?: ComputeStatus;
}

export const computeKind = {
  kind: 'Compute',
  plural: 'computes',
  singular: 'compute',
  shortNames: ['vm'],
  scope: 'Namespaced',
  spec: computeSpecSchema,
  status: computeStatusSchema,
  printerColumns: [
    { name: 'Region', type: 'string', jsonPath: '.spec.region' },
    { name: 'Zone', type: 'string', jsonPath: '.status.zone' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'IP', type: 'string', jsonPath: '.status.privateIp' },
    { name: 'Public-IP', type: 'string', jsonPath: '.status.publicIp', priority: 1 },
    { name: 'Host', type: 'string', jsonPath: '.status.hostId', priority: 1 },
    { name: 'Drift', type: 'integer', jsonPath: '.status.drift.total', priority: 1 },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  rules: {
    '': [
      {
        rule: 'has(self.size) ? !has(self.vcpu) && !has(self.memory) : has(self.vcpu) && has(self.memory)',
        message: 'set either spec.size (small, medium, large, xlarge) or both spec.vcpu and spec.memory',
      },
      {
        rule: `!has(self.zone) || ${zoneInRegion('self.zone', 'self.region')}`,
        message: 'spec.zone must be a zone of spec.region, named after it (eu-west-1a in eu-west-1)',
        messageExpression: zoneOutsideRegion('spec.zone', 'self.zone', 'self.region'),
      },
      // What the instance was created with; only powerState, security groups and affinity may change.
      ...unchangedFields(
        {
          region: 'present',
          zone: 'optional',
          network: 'present',
          subnet: 'present',
          size: 'optional',
          vcpu: 'optional',
          memory: 'optional',
          gpu: 'present',
          image: 'present',
          publicIp: 'present',
        },
        'create a new Compute instead',
      ),
      {
        rule:
          'has(self.placement.group) == has(oldSelf.placement.group) && ' +
          '(!has(self.placement.group) || self.placement.group == oldSelf.placement.group)',
        message: 'spec.placement.group: is immutable: an instance cannot change placement group',
      },
    ],
  },
} as const;
