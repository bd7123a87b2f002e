// The security groups a Compute names, with the rules its Network's spec gives them, read from the shared
// Network cache. Until that cache has synced, nothing can be said of them: a guess of "none" would read as
// drift and strip an instance's groups.
import type * as k8s from '@kubernetes/client-node';
import type { ResilientInformer } from '../../operator/informer.ts';
import type { Network } from '../../crds/schemas/network.ts';
import type { SecurityGroup } from '../provider/types.ts';

export class NetworkCacheNotSynced extends Error {
  constructor() {
    super('the Network cache has not synced yet; security groups are compared once it has');
  }
}

export function securityGroupsOf(
  networks: ResilientInformer<Network & k8s.KubernetesObject>,
): (namespace: string, network: string, names: readonly string[]) => SecurityGroup[] {
  return (namespace, network, names) => {
    if (names.length === 0) return [];
    if (!networks.hasSynced) throw new NetworkCacheNotSynced();
    const groups = networks.get(network, namespace)?.spec?.securityGroups ?? [];
    return names.flatMap((name) => {
      const group = groups.find((g) => g.name === name);
      return group ? [{ name, ingress: group.ingress ?? [], egress: group.egress ?? [] }] : [];
    });
  };
}
