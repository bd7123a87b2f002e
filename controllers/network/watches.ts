// What the Network controller watches besides each Network itself, and which Networks a change concerns:
// a Compute takes an address in its network, so a change to it wakes that network (whose status counts the
// addresses); a network that is deleted gives its range back, so it wakes the networks of its namespace
// that were refused for a range. Both read only the object that changed and the informer cache.
import type * as k8s from '@kubernetes/client-node';
import { findCondition, type Condition } from '../../operator/conditions.ts';
import type { Watch } from '../../operator/controller.ts';
import { objectKey, type ResilientInformer, type ResourceRef } from '../../operator/informer.ts';
import { computeResource } from '../compute/reconcile.ts';
import { NetworkReasons } from './status.ts';

type Obj = k8s.KubernetesObject & { status?: { conditions?: Condition[] } };

/** The network a Compute takes its address in. */
export function networkOfCompute(compute: k8s.KubernetesObject): string[] {
  const network = (compute as { spec?: { network?: unknown } }).spec?.network;
  const namespace = compute.metadata?.namespace;
  return typeof network === 'string' && namespace ? [`${namespace}/${network}`] : [];
}

/** Refusals that a range given back may lift. */
const waitingForRange: ReadonlySet<string> = new Set([NetworkReasons.Overlap, NetworkReasons.Exhausted]);

/** The networks waiting for a range, when `network` is being deleted or gone. */
export function refusedForRange(network: k8s.KubernetesObject, cache: ResilientInformer<Obj>): string[] {
  if (!network.metadata?.deletionTimestamp) return [];
  return cache
    .list(network.metadata.namespace)
    .filter(
      (other) =>
        other.metadata?.uid !== network.metadata?.uid &&
        waitingForRange.has(findCondition(other.status?.conditions, 'Ready')?.reason ?? ''),
    )
    .map(objectKey);
}

export function networkWatches<T extends Obj>(networks: ResourceRef): Watch<T>[] {
  return [
    // Address counts in status may trail the Computes by a second; each Compute waking its network at once
    // would cost a network reconcile and status write per Compute change.
    { resource: computeResource, keysFor: networkOfCompute, coalesceMs: 1_000 },
    { resource: networks, keysFor: refusedForRange },
  ];
}
