// Network: a tenant's virtual network in one region: a CIDR (explicit, or a size allocated from the tenant's
// pool), subnets per zone, security groups and optional peering with the tenant's other networks.
import { z } from 'zod';
import { celFormat, celString } from './cel.ts';
import { conditionSchema, formatted, type ObjectMeta } from './common.ts';
import { driftStatusSchema, managedSpecFields } from './managed.ts';
import { networkObjectRules, networkRules } from './network-rules.ts';

const cidrPattern =
  /^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\/([0-9]|[12][0-9]|3[0-2])$/;

/**
 * IPv4 CIDR such as 10.1.0.0/16. zod checks the form; host bits are refused by the webhook (which says which
 * network was meant) and by the API server, through the CEL rule here.
 */
export const cidrSchema = formatted(
  cidrPattern,
  'an IPv4 network in CIDR notation with no host bits set, such as 10.0.0.0/16',
  18,
).meta({
  'x-kubernetes-validations': [
    {
      rule: `!self.matches(${celString(cidrPattern.source)}) || cidr(self).masked() == cidr(self)`,
      message: 'must be an IPv4 network in CIDR notation with no host bits set, such as 10.0.0.0/16',
      messageExpression: celFormat('%s has host bits set; did you mean %s?', ['self', 'string(cidr(self).masked())']),
    },
  ],
});
const dnsLabel = formatted(
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
  'a DNS label such as web-1: lower-case letters, digits and -, beginning and ending with a letter or digit',
  63,
);

const portsPattern = /^[0-9]{1,5}(-[0-9]{1,5})?$/;
const low = "int(self.find('^[0-9]+'))";
const high = "int(self.find('[0-9]+$'))";

export const ruleSchema = z
  .object({
    protocol: z.enum(['tcp', 'udp', 'icmp', 'all']),
    /** A port or an inclusive range such as 8000-8080; absent for icmp and all. */
    ports: formatted(portsPattern, 'a port such as 443 or a range such as 8000-8080', 11)
      .meta({
        'x-kubernetes-validations': [
          {
            rule: `!self.matches(${celString(portsPattern.source)}) || ${low} >= 1 && ${high} <= 65535 && ${low} <= ${high}`,
            message: 'must be a port (1-65535) or a rising range such as 8000-8080',
            messageExpression: celFormat('%s is not a port (1-65535) or a rising range such as 8000-8080', ['self']),
          },
        ],
      })
      .optional(),
    cidr: cidrSchema,
    description: z.string().max(256).optional(),
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: "!(self.protocol in ['icmp', 'all']) || !has(self.ports)",
        message: 'ports do not apply to protocols icmp and all; remove ports or use tcp or udp',
        messageExpression: celFormat('ports do not apply to protocol %s; remove ports or use tcp or udp', [
          'self.protocol',
        ]),
        fieldPath: '.ports',
      },
    ],
  });

export const securityGroupSchema = z.object({
  name: dnsLabel,
  ingress: z.array(ruleSchema).max(100).default([]),
  egress: z.array(ruleSchema).max(100).default([]),
});

export const subnetSchema = z
  .object({
    name: dnsLabel,
    zone: z.string().min(1).max(63),
    cidr: cidrSchema.optional(),
    /** Prefix length to allocate inside the network when no cidr is given. */
    prefixLength: z.number().int().min(16).max(28).optional(),
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: 'has(self.cidr) != has(self.prefixLength)',
        message: 'set exactly one of cidr (such as 10.1.1.0/24) or prefixLength (such as 24)',
      },
    ],
  });

export const networkSpecSchema = z.object({
  region: z.string().min(1).max(63),
  cidr: cidrSchema.optional(),
  /** Prefix length to allocate from the tenant's pool (10.0.0.0/8) when no cidr is given. */
  prefixLength: z.number().int().min(8).max(28).optional(),
  subnets: z.array(subnetSchema).min(1).max(64),
  securityGroups: z.array(securityGroupSchema).max(32).default([]),
  peerings: z.array(z.object({ network: dnsLabel })).max(16).default([]),
  ...managedSpecFields,
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
  drift: driftStatusSchema.optional(),
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
    { name: 'Drift', type: 'integer', jsonPath: '.status.drift.total', priority: 1 },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  rules: networkRules,
  objectRules: networkObjectRules,
} as const;
