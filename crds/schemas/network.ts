// Network: a tenant's virtual network in one region: a CIDR (explicit, or a size allocated from the tenant's
// pool), subnets per zone, security groups and optional peering with the tenant's other networks.
import { z } from 'zod';
import { conditionSchema, type ObjectMeta } from './common.ts';

/** IPv4 CIDR such as 10.1.0.0/16; host bits are checked by the IPAM (the schema cannot). */
export const cidrSchema = z
  .string()
  .regex(
    /^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\/([0-9]|[12][0-9]|3[0-2])$/,
    'an IPv4 CIDR such as 10.1.0.0/16',
  );
const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS label: lower-case letters, digits and -');

export const ruleSchema = z.object({
  protocol: z.enum(['tcp', 'udp', 'icmp', 'all']),
  /** A port or an inclusive range such as 8000-8080; absent for icmp and all. */
  ports: z
    .string()
    .regex(/^[0-9]{1,5}(-[0-9]{1,5})?$/, 'a port such as 443 or a range such as 8000-8080')
    .optional(),
  cidr: cidrSchema,
  description: z.string().max(256).optional(),
});

export const securityGroupSchema = z.object({
  name: dnsLabel,
  ingress: z.array(ruleSchema).max(100).default([]),
  egress: z.array(ruleSchema).max(100).default([]),
});

export const subnetSchema = z.object({
  name: dnsLabel,
  zone: z.string().min(1).max(63),
  cidr: cidrSchema.optional(),
  /** Prefix length to allocate inside the network when no cidr is given. */
  prefixLength: z.number().int().min(16).max(28).optional(),
});

export const networkSpecSchema = z.object({
  region: z.string().min(1).max(63),
  cidr: cidrSchema.optional(),
  /** Prefix length to allocate from the tenant's pool (10.0.0.0/8) when no cidr is given. */
  prefixLength: z.number().int().min(8).max(28).optional(),
  subnets: z.array(subnetSchema).min(1).max(64),
  securityGroups: z.array(securityGroupSchema).max(32).default([]),
  peerings: z.array(z.object({ network: dnsLabel })).max(16).default([]),
});

export const networkStatusSchema = z.object({
  phase: z.enum(['Pending', 'Allocating', 'Provisioning', 'Ready', 'Failed', 'Deleting']).optional(),
  observedGeneration: z.number().int().optional(),
  cidr: z.string().optional(),
  providerId: z.string().optional(),
  operationId: z.string().optional(),
  subnets: z
    .array(
      z.object({
        name: z.string(),
        zone: z.string(),
        cidr: z.string(),
        usableAddresses: z.number().int(),
        allocatedAddresses: z.number().int(),
      }),
    )
    .max(64)
    .optional(),
  conditions: z.array(conditionSchema).max(16).optional(),
});

export type NetworkSpec = z.infer<typeof networkSpecSchema>;
export type NetworkStatus = z.infer<typeof networkStatusSchema>;
export type SecurityRule = z.infer<typeof ruleSchema>;
export interface Network {
  apiVersion: 'omnicloud.io/v1alpha1';
  kind: 'Network';
  metadata: ObjectMeta;
  spec: NetworkSpec;
  status?: NetworkStatus;
}

export const networkKind = {
  kind: 'Network',
  plural: 'networks',
  singular: 'network',
  shortNames: ['onet'],
  scope: 'Namespaced',
  spec: networkSpecSchema,
  status: networkStatusSchema,
  printerColumns: [
    { name: 'Region', type: 'string', jsonPath: '.spec.region' },
    { name: 'CIDR', type: 'string', jsonPath: '.status.cidr' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  rules: {
    '': [
      {
        rule: 'has(self.cidr) != has(self.prefixLength)',
        message: 'set exactly one of spec.cidr (such as 10.1.0.0/16) or spec.prefixLength (such as 16)',
      },
      {
        rule: 'self.region == oldSelf.region',
        message: 'spec.region is immutable; create a new Network in the other region',
      },
      {
        rule: 'self.subnets.all(s, has(s.cidr) != has(s.prefixLength))',
        message: 'each subnet sets exactly one of cidr or prefixLength',
      },
    ],
  },
} as const;
