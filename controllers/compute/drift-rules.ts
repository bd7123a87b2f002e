// How a Compute's outside state is compared with its spec: security groups and their rules are sets (order
// at the provider means nothing), groups matched by name and rules by what they allow.
import type { DriftRules } from '../managed/drift/index.ts';

const rule = ['protocol', 'ports', 'cidr'];

export const computeDriftRules: DriftRules = {
  unordered: {
    securityGroups: 'name',
    'securityGroups[].ingress': rule,
    'securityGroups[].egress': rule,
  },
};
