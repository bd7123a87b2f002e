// The status a Network shows, computed from its recorded state. Pure.
import { setCondition, type Condition, type ConditionInput } from '../../operator/conditions.ts';
import type { Network, NetworkStatus } from '../../crds/schemas/network.ts';
import type { RangeHolder, SubnetUsage } from './store.ts';

export const NetworkReasons = {
  Allocated: 'Allocated',
  Provisioning: 'Provisioning',
  Available: 'Available',
  Overlap: 'Overlap',
  Exhausted: 'Exhausted',
  OutsideNetwork: 'OutsideNetwork',
  InUse: 'InUse',
  ProviderUnavailable: 'ProviderUnavailable',
  ProvisioningFailed: 'ProvisioningFailed',
  PeerNotFound: 'PeerNotFound',
  PeersReady: 'PeersReady',
  InvalidSpec: 'InvalidSpec',
} as const;

export interface NetworkObserved {
  phase: NonNullable<NetworkStatus['phase']>;
  cidr?: string;
  providerId?: string | null;
  operationId?: string | null;
  subnets?: SubnetUsage[];
  /** Why the network is not ready, when it is not. */
  problem?: { reason: string; message: string };
  missingPeers?: string[];
}

export function networkStatus(net: Network, o: NetworkObserved, now: Date): NetworkStatus {
  const gen = net.metadata.generation;
  const set = (list: Condition[] | undefined, c: ConditionInput) => setCondition(list, c, now, gen);
  const ready = o.phase === 'Ready' && !o.problem;
  let conditions = set(
    net.status?.conditions as Condition[] | undefined,
    ready
      ? {
          type: 'Ready',
          status: 'True',
          reason: NetworkReasons.Available,
          message: `network ${o.cidr} is available in ${net.spec.region}`,
        }
      : {
          type: 'Ready',
          status: 'False',
          reason: o.problem?.reason ?? NetworkReasons.Provisioning,
          message: o.problem?.message ?? `network is ${o.phase.toLowerCase()}`,
        },
  );
  if (net.spec.peerings.length > 0) {
    const missing = o.missingPeers ?? [];
    conditions = set(
      conditions,
      missing.length === 0
        ? {
            type: 'Peered',
            status: 'True',
            reason: NetworkReasons.PeersReady,
            message: `peered with ${net.spec.peerings.map((p) => p.network).join(', ')}`,
          }
        : {
            type: 'Peered',
            status: 'False',
            reason: NetworkReasons.PeerNotFound,
            message: `peer network(s) not found or not ready in this namespace: ${missing.join(', ')}`,
          },
    );
  }
  return {
    phase: o.phase,
    observedGeneration: gen,
    ...(o.cidr ? { cidr: o.cidr } : {}),
    ...(o.providerId ? { providerId: o.providerId } : {}),
    ...(o.operationId ? { operationId: o.operationId } : {}),
    ...(o.subnets
      ? {
          subnets: o.subnets.map((s) => ({
            name: s.name,
            zone: s.zone,
            cidr: s.cidr,
            usableAddresses: s.usableAddresses,
            allocatedAddresses: s.allocatedAddresses,
          })),
        }
      : {}),
    conditions,
  };
}

/**
 * Why a range was refused for overlapping another network's, naming that network only as what it is now:
 * there, being deleted (the range comes back when it is gone), or no longer there (infra_db still holds its
 * range). `now` is the holder's object as the cache has it, if any.
 */
export function overlapMessage(
  asked: string,
  holder: RangeHolder,
  now: { metadata?: { uid?: string; deletionTimestamp?: unknown } } | undefined,
): string {
  const same = now?.metadata?.uid === holder.uid;
  if (same && !now?.metadata?.deletionTimestamp)
    return `${asked} overlaps network ${holder.name} (${holder.cidr})`;
  if (same)
    return `${asked} overlaps network ${holder.name} (${holder.cidr}), which is being deleted; this network is allocated once it is gone`;
  return `${asked} overlaps ${holder.cidr}, still held in infra_db by a network that no longer exists (uid ${holder.uid}); it was deleted without giving its range back`;
}
