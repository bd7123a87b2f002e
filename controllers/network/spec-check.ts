// Whether the Network controller may act on a spec, by the admission webhook's rules (webhooks/network.ts).
// Before anything is recorded the spec is judged as a create. Once infra_db holds the network, it is judged
// as an update of what was recorded there, so a change the webhook refuses as immutable (the CIDR, a
// subnet's zone or range, a removed subnet) is named instead of being quietly not applied. Pure.
import { networkSpecSchema, type NetworkSpec } from '../../crds/schemas/network.ts';
import { validateNetwork } from '../../webhooks/network.ts';
import type { Problem } from '../../webhooks/review.ts';
import { parseCidr } from './ipam.ts';
import type { RecordedNetwork } from './store.ts';

interface NetworkLike {
  metadata?: { name?: unknown };
  spec?: unknown;
}

/** Prefix lengths the schema accepts where a size is asked for instead of a range. */
const networkPrefixes = { min: 8, max: 28 };
const subnetPrefixes = { min: 16, max: 28 };

/**
 * A range recorded in infra_db, written the way the spec writes it (a prefix length where the spec gives
 * one and the recorded range can be said so, otherwise the range itself), so that only a real change of
 * range counts as one: 10.4.0.0/16 recorded for `prefixLength: 16` is what was asked.
 */
function asWritten(
  recorded: string,
  written: { cidr?: string; prefixLength?: number } | undefined,
  prefixes: { min: number; max: number },
): { cidr: string } | { prefixLength: number } {
  const { prefix } = parseCidr(recorded);
  const bySize = written?.cidr === undefined && written?.prefixLength !== undefined;
  const sayable = prefix >= prefixes.min && prefix <= prefixes.max;
  return bySize && sayable ? { prefixLength: prefix } : { cidr: recorded };
}

/** The recorded network as the spec it stands for; security groups and peerings may change, so they are kept. */
export function recordedSpec(spec: NetworkSpec, recorded: RecordedNetwork): NetworkSpec {
  return {
    ...spec,
    region: recorded.region,
    cidr: undefined,
    prefixLength: undefined,
    ...asWritten(recorded.cidr, spec, networkPrefixes),
    subnets: recorded.subnets.map((s) => ({
      name: s.name,
      zone: s.zone,
      ...asWritten(
        s.cidr,
        spec.subnets.find((w) => w.name === s.name),
        subnetPrefixes,
      ),
    })),
  };
}

/** Why the controller cannot act on the network's spec; empty when it can. */
export function networkSpecProblems(net: NetworkLike, recorded?: RecordedNetwork): Problem[] {
  const parsed = networkSpecSchema.safeParse(net.spec);
  if (!recorded || !parsed.success) return validateNetwork('CREATE', net);
  return validateNetwork('UPDATE', net, { spec: recordedSpec(parsed.data, recorded) });
}
