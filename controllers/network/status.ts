// The status a Network shows, computed from its recorded state. Pure.
import { setCondition, type Condition, type ConditionInput } from '../../operator/conditions.ts';
import type { Network, NetworkStatus } from '../../crds/schemas/network.ts';
import type { ManagedNetwork } from './row.ts';
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

/** Refusals of a range: the network has none until the refusal is lifted. */
const rangeRefusals = new Set<string>([
  NetworkReasons.Overlap,
  NetworkReasons.Exhausted,
  NetworkReasons.OutsideNetwork,
]);

/** Problems that mean something is wrong, rather than that something is under way or waits its turn. */
const faults = new Set<string>([
  ...rangeRefusals,
  NetworkReasons.ProviderUnavailable,
  NetworkReasons.ProvisioningFailed,
  NetworkReasons.InvalidSpec,
  'AlreadyClaimed',
  'ExternalResourceNotFound',
  'NothingToObserve',
  'ResourceMissing',
  'RemediationFailed',
]);

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
  const fault = o.problem && faults.has(o.problem.reason) ? o.problem : undefined;
  conditions = set(
    conditions,
    fault
      ? { type: 'Degraded', status: 'True', reason: fault.reason, message: fault.message }
      : { type: 'Degraded', status: 'False', reason: 'Healthy', message: 'no fault observed' },
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

/** The phase shown: the row's, or what a problem with no row, or the object's deletion, makes of it. */
function phaseOf(
  net: Network,
  row: ManagedNetwork | undefined,
  problem: NetworkObserved['problem'],
): NetworkObserved['phase'] {
  if (net.metadata.deletionTimestamp) return 'Deleting';
  if (problem && rangeRefusals.has(problem.reason)) return 'Failed';
  if (!row) return problem && problem.reason !== NetworkReasons.ProviderUnavailable ? 'Failed' : 'Pending';
  if (row.phase === 'Ready') return 'Ready';
  if (row.phase === 'Deleting' || row.phase === 'Deleted') return 'Deleting';
  return 'Provisioning';
}

/** The Network's status from its recorded row (with its subnets' usage and peers) and the problem shown. */
export function networkStatusOf(
  net: Network,
  row: ManagedNetwork | undefined,
  problem: NetworkObserved['problem'],
  now: Date,
): NetworkStatus {
  return networkStatus(
    net,
    {
      phase: phaseOf(net, row, problem),
      cidr: row?.cidr,
      providerId: row?.provider_id,
      operationId: row?.operation_id,
      subnets: row?.subnets,
      missingPeers: row?.missingPeers,
      problem,
    },
    now,
  );
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
