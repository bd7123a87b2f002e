// The Network's CEL rules for the API server: what webhooks/network.ts checks of one spec (zones inside the
// region, subnets inside their network and apart from each other, each name used once, explicit subnet
// ranges only in an explicit network range, no peering with itself) and of an update (region, range and
// existing subnets immutable, no subnet removed), with the webhook's words and the index at fault.
import type { CelRule } from '../generator/crd.ts';
import { celFormat, distinct, first, unchangedFields, zoneInRegion, zoneOutsideRegion } from './cel.ts';

/** A range the IPAM can use: a CIDR with no host bits (the CIDR's own rules say why others are refused). */
const usable = (x: string) => `(isCIDR(${x}) && cidr(${x}).masked() == cidr(${x}))`;
const overlap = (a: string, b: string) => `(cidr(${a}).containsCIDR(cidr(${b})) || cidr(${b}).containsCIDR(cidr(${a})))`;

// The network's prefix, from its range or its prefixLength, and a subnet's (s), as the webhook reads them: a
// range that cannot be used gives none, and nothing is said about the fit.
const networkByRange = `(has(self.cidr) && ${usable('self.cidr')})`;
const networkPrefixKnown = `(${networkByRange} || has(self.prefixLength))`;
const networkPrefix = `(${networkByRange} ? cidr(self.cidr).prefixLength() : self.prefixLength)`;
const subnetPrefixKnown = `(has(s.cidr) ? ${usable('s.cidr')} : has(s.prefixLength))`;
const subnetPrefix = `(has(s.cidr) ? cidr(s.cidr).prefixLength() : s.prefixLength)`;
const tooWide = `${subnetPrefixKnown} && ${subnetPrefix} <= ${networkPrefix}`;

const subnetZone = zoneInRegion('s.zone', 'self.region');
const outside = `has(s.cidr) && ${usable('s.cidr')} && !cidr(self.cidr).containsCIDR(cidr(s.cidr))`;

/** A subnet (s at i) whose explicit range overlaps an earlier one's (t at j). */
const explicit = (x: string) => `has(${x}.cidr) && ${usable(`${x}.cidr`)}`;
const clashes = `${explicit('t')} && ${overlap('s.cidr', 't.cidr')}`;
const clashesEarlier = `${explicit('s')} && self.exists(j, t, j < i && ${clashes})`;
const overlapping = first('self', clashesEarlier);
const overlapped = first('self', clashesEarlier, `self.transformList(j, t, j < i && ${clashes}, j)[0]`);

const removed = 'oldSelf.subnets.filter(o, !self.subnets.exists(s, s.name == o.name))';
const changed = first('self.subnets', 'oldSelf.subnets.exists(o, o.name == s.name && o != s)');

export const networkRules: Record<string, CelRule[]> = {
  '': [
    {
      rule: 'has(self.cidr) != has(self.prefixLength)',
      message: 'set exactly one of spec.cidr (such as 10.1.0.0/16) or spec.prefixLength (such as 16)',
    },
    {
      rule: `self.subnets.all(s, ${subnetZone})`,
      message: "each of spec.subnets needs a zone of spec.region, named after it (eu-west-1a in eu-west-1)",
      messageExpression: zoneOutsideRegion(
        'spec.subnets[%d].zone',
        `self.subnets[${first('self.subnets', `!${subnetZone}`)}].zone`,
        'self.region',
        [first('self.subnets', `!${subnetZone}`)],
      ),
    },
    {
      rule: 'has(self.cidr) || self.subnets.all(s, !has(s.cidr))',
      message: 'explicit subnet CIDRs need an explicit spec.cidr; use prefixLength instead',
      messageExpression: celFormat(
        'spec.subnets[%d].cidr: explicit subnet CIDRs need an explicit spec.cidr; use prefixLength instead',
        [first('self.subnets', 'has(s.cidr)')],
      ),
    },
    {
      rule: `!${networkPrefixKnown} || self.subnets.all(s, !(${tooWide}))`,
      message: "each subnet's prefix must be longer than the network's",
      messageExpression: celFormat(
        'spec.subnets[%d]: a /%d subnet does not fit in a /%d network; use a longer prefix than /%d',
        [first('self.subnets', tooWide), first('self.subnets', tooWide, subnetPrefix), networkPrefix, networkPrefix],
      ),
    },
    {
      rule: `!${networkByRange} || self.subnets.all(s, !(${outside}))`,
      message: "each subnet's cidr must be inside spec.cidr",
      messageExpression: celFormat("spec.subnets[%d].cidr: %s is not inside the network's %s", [
        first('self.subnets', outside),
        first('self.subnets', outside, 's.cidr'),
        'self.cidr',
      ]),
    },
    ...unchangedFields(
      { region: 'present', cidr: 'optional', prefixLength: 'optional' },
      'create a new Network instead',
    ),
    {
      rule: 'oldSelf.subnets.all(o, self.subnets.exists(s, s.name == o.name))',
      message: 'spec.subnets: a subnet cannot be removed; instances may hold addresses in it',
      messageExpression: celFormat('spec.subnets: subnet %s cannot be removed; instances may hold addresses in it', [
        `${removed}[0].name`,
      ]),
    },
    {
      rule: 'oldSelf.subnets.all(o, self.subnets.all(s, s.name != o.name || s == o))',
      message: "spec.subnets: a subnet's zone, cidr and prefixLength are immutable; add a new subnet instead",
      messageExpression: celFormat(
        "spec.subnets[%d]: subnet %s's zone, cidr and prefixLength are immutable; add a new subnet instead",
        [changed, `self.subnets[${changed}].name`],
      ),
    },
  ],
  subnets: [
    distinct('subnets', 'name', '%s is already the name of subnet %d; names must be unique', 'subnet names must be unique'),
    {
      rule: `self.all(i, s, !(${clashesEarlier}))`,
      message: 'subnet ranges must not overlap',
      messageExpression: celFormat('spec.subnets[%d].cidr: %s overlaps subnet %d (%s)', [
        overlapping,
        `self[${overlapping}].cidr`,
        overlapped,
        `self[${overlapped}].cidr`,
      ]),
    },
  ],
  securityGroups: [
    distinct('securityGroups', 'name', '%s is listed twice', 'security group names must be unique'),
  ],
};

/**
 * Rules that read the Network's name. Judged when the spec is created or changed, as the webhook judges
 * them: a rule on the whole object would otherwise be judged again on every update of its metadata or
 * status, and an older network could not even lose its finalizer.
 */
export const networkObjectRules: CelRule[] = [
  {
    rule:
      'oldSelf.hasValue() && oldSelf.value().spec == self.spec || ' +
      '!has(self.spec.peerings) || self.spec.peerings.all(p, p.network != self.metadata.name)',
    optionalOldSelf: true,
    message: 'spec.peerings: a network cannot peer with itself',
    fieldPath: '.spec',
  },
];
