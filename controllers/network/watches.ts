// What the Network controller watches besides each Network itself, and which Networks a change concerns:
// a Compute takes an address in its network, so a change to it wakes that network (whose status counts the
// addresses). It reads only the object that changed.
import type * as k8s from '@kubernetes/client-node';
import type { Watch } from '../../operator/controller.ts';
import { computeResource } from '../compute/reconcile.ts';

/** The network a Compute takes its address in. */
export function networkOfCompute(compute: k8s.KubernetesObject): string[] {
  const network = (compute as { spec?: { network?: unknown } }).spec?.network;
  const namespace = compute.metadata?.namespace;
  return typeof network === 'string' && namespace ? [`${namespace}/${network}`] : [];
}

export function networkWatches<T extends k8s.KubernetesObject>(): Watch<T>[] {
  return [{ resource: computeResource, keysFor: networkOfCompute }];
}
