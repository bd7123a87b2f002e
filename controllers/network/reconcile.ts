// The Network kind on the managed reconciler: its CIDR and subnets allocated in infra_db by an IPAM that never
// hands out overlapping ranges, the network created at the provider (client.ts, steps.ts), address usage per
// subnet and peerings in its status. Deletion gives the ranges back, and is held back while instances still
// use addresses in the network.
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import type { ControllerSpec } from '../../operator/controller.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { networkSpecSchema, type Network, type NetworkSpec } from '../../crds/schemas/network.ts';
import { invalidSpec } from '../invalid-spec.ts';
import type { ManagedKind } from '../managed/kind.ts';
import type { ZoneObserver } from '../managed/observer.ts';
import { policiesOf } from '../managed/policies.ts';
import { managedController } from '../managed/reconciler.ts';
import type { CloudProvider, NetworkInfo } from '../provider/types.ts';
import { networkClient, type NetworkState } from './client.ts';
import type { ManagedNetwork } from './row.ts';
import { networkSpecProblems, recordedSpec } from './spec-check.ts';
import { NetworkReasons, networkStatusOf } from './status.ts';
import { findNetworkByName, IpamRefusal } from './store.ts';
import { networkWatches } from './watches.ts';

export const networkFinalizer = 'omnicloud.io/network-cleanup';
export const networkResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Network',
  plural: 'networks',
  namespaced: true,
};

export interface NetworkDeps {
  pool: Pool;
  provider: CloudProvider;
  onOutbox?: () => void;
  /** How often a ready network is compared with the provider; 30 s by default. */
  observeIntervalMs?: number;
  /** Lists each region's networks once per interval and wakes those that changed. */
  observer?: ZoneObserver<NetworkInfo>;
}

export type NetworkObj = Network & k8s.KubernetesObject;

/** How soon a network whose peers are not all Ready looks at them again. */
const peerRecheckMs = 15_000;

export function networkKind(
  deps: NetworkDeps,
): ManagedKind<NetworkObj, NetworkSpec, ManagedNetwork, NetworkState> {
  return {
    kind: 'Network',
    resource: networkResource,
    finalizer: networkFinalizer,
    client: networkClient(deps, deps.observer),
    readSpec(obj, row) {
      const parsed = networkSpecSchema.safeParse(obj.spec);
      const invalid = invalidSpec(networkSpecProblems(obj, row));
      if (!invalid) return { spec: parsed.data! };
      // Once recorded, the network keeps what was applied (its range, its subnets) and the problem is shown
      // beside it; nothing of the refused spec is taken, not even a subnet it adds.
      return {
        invalid: invalid.message,
        spec: row && parsed.success ? recordedSpec(parsed.data, row) : undefined,
      };
    },
    managementOf: policiesOf,
    driftRules: {},
    status: networkStatusOf,
    phaseEvent(row, before) {
      if (row.phase === 'Ready' && before.phase === 'Provisioning')
        return {
          warning: false,
          reason: NetworkReasons.Available,
          note: `network ${row.cidr} is available in ${row.region}`,
        };
      if (row.phase === 'Allocating' && before.phase === 'Provisioning')
        return {
          warning: true,
          reason: NetworkReasons.ProvisioningFailed,
          note: `the provider failed to create network ${row.cidr}; trying again`,
        };
      return undefined;
    },
    problemOf(err) {
      if (!(err instanceof IpamRefusal)) return undefined;
      if (err.reason === 'InUse')
        return { reason: NetworkReasons.InUse, message: `cannot delete yet: ${err.message}`, retryMs: 5_000 };
      // The deletion of the network holding the range wakes this one (watches.ts); this is only a backstop.
      return { reason: NetworkReasons[err.reason], message: err.message, retryMs: 60_000 };
    },
    async statusDetails(s, row) {
      const missingPeers: string[] = [];
      for (const p of s.spec.peerings) {
        const peer = await findNetworkByName(deps.pool, row.scope, p.network);
        if (!peer || peer.phase !== 'Ready') missingPeers.push(p.network);
      }
      return { row: { ...row, missingPeers }, retryMs: missingPeers.length > 0 ? peerRecheckMs : undefined };
    },
    reasons: {
      InvalidSpec: NetworkReasons.InvalidSpec,
      ProviderUnavailable: NetworkReasons.ProviderUnavailable,
    },
    observeIntervalMs: deps.observeIntervalMs ?? 30_000,
  };
}

export function networkController(deps: NetworkDeps): ControllerSpec<NetworkObj> {
  return {
    ...managedController(networkKind(deps), {
      pool: deps.pool,
      onOutbox: deps.onOutbox,
      observed: () => deps.observer?.active ?? false,
    }),
    watches: networkWatches(networkResource),
  };
}
