// Nodes with no kubelet behind them, shaped as the cloud simulator's hosts (its default regions, zones, hosts
// per zone and host capacity), for a real kube-scheduler to place Pods on. Each is created Ready with no
// taints, and with a node Lease that this process renews, so the controller manager's node lifecycle
// controller (which would otherwise mark a silent node unreachable and taint it) keeps it Ready. The
// admission plugin TaintNodesByCondition gives every new Node the not-ready taint until that controller has
// looked at it, so creation waits until every Node is free of taints.
import * as k8s from '@kubernetes/client-node';
import { defaultConfig } from '../../controllers/provider/simulator/state.ts';
import { micro } from '../../operator/leader.ts';
import { inFlight } from './in-flight.ts';
import type { Teardown } from './teardown.ts';

export const benchLabel = 'omnicloud.io/bench';
const leaseApi = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  namespace: 'kube-node-lease',
};
const leaseSeconds = 40;

export interface FakeHost {
  name: string;
  region: string;
  zone: string;
}

/** One Node per simulator host: regions x zones x hosts per zone. */
export function simulatorHosts(run: string): FakeHost[] {
  return defaultConfig.regions.flatMap((r) =>
    r.zones.flatMap((zone) =>
      Array.from({ length: defaultConfig.hostsPerZone }, (_, i) => ({
        name: `${run}-${zone}-${String(i).padStart(2, '0')}`,
        region: r.name,
        zone,
      })),
    ),
  );
}

function nodeManifest(host: FakeHost, run: string, now: Date): k8s.V1Node {
  const { vcpu, memoryMiB } = defaultConfig.hostCapacity;
  const resources = { cpu: String(vcpu), memory: `${memoryMiB}Mi`, pods: '110' };
  const condition = (type: string, status: string, reason: string) => ({
    type,
    status,
    reason,
    message: 'set by the placement benchmark',
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: host.name,
      labels: {
        [benchLabel]: run,
        'kubernetes.io/hostname': host.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/region': host.region,
        'topology.kubernetes.io/zone': host.zone,
      },
    },
    spec: {},
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [
        condition('Ready', 'True', 'KubeletReady'),
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
      ],
    },
  };
}

/**
 * Creates the Nodes and their Leases, waits until every Node is untainted, and keeps the Leases renewed
 * until the teardown deletes them all.
 */
export async function createFakeNodes(
  kc: k8s.KubeConfig,
  hosts: FakeHost[],
  run: string,
  teardown: Teardown,
  log: (msg: string) => void,
): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const selector = `${benchLabel}=${run}`;
  teardown.add(`delete the ${hosts.length} benchmark Nodes and their Leases`, async () => {
    await core.deleteCollectionNode({ labelSelector: selector });
    await custom.deleteCollectionNamespacedCustomObject({ ...leaseApi, labelSelector: selector });
  });
  await inFlight(hosts.length, 20, async (i) => {
    const host = hosts[i]!;
    const now = new Date();
    const node = await core.createNode({ body: nodeManifest(host, run, now) });
    await custom.createNamespacedCustomObject({
      ...leaseApi,
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: host.name,
          labels: { [benchLabel]: run },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: host.name, uid: node.metadata!.uid! }],
        },
        spec: { holderIdentity: host.name, leaseDurationSeconds: leaseSeconds, renewTime: micro(now) },
      },
    });
  });
  const heartbeat = setInterval(
    () => {
      void inFlight(hosts.length, 10, (i) =>
        custom.patchNamespacedCustomObject(
          { ...leaseApi, name: hosts[i]!.name, body: { spec: { renewTime: micro(new Date()) } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        ),
      ).catch((err: unknown) => log(`renewing the node Leases failed: ${String(err)}`));
    },
    (leaseSeconds / 4) * 1000,
  );
  teardown.add('stop renewing the node Leases', () => clearInterval(heartbeat));

  const deadline = Date.now() + 90_000;
  for (;;) {
    const nodes = await core.listNode({ labelSelector: selector });
    const tainted = nodes.items.filter((n) => (n.spec?.taints?.length ?? 0) > 0);
    const notReady = nodes.items.filter(
      (n) => !n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    if (nodes.items.length === hosts.length && tainted.length === 0 && notReady.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `the benchmark Nodes did not all become Ready and untainted in 90 s: ${tainted.length} tainted ` +
          `(${JSON.stringify(tainted[0]?.spec?.taints)}), ${notReady.length} not Ready`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
