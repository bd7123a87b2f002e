// Placement benchmark: the operator's Compute placement next to a real kube-scheduler placing Pods of the
// same shape, on the same cluster shape, in one run.
//
// The shape: 120 hosts as the cloud simulator has them (2 regions x 3 zones x 20 hosts, 64 vCPU / 256 GiB
// each). For kube-scheduler they are 120 fake Nodes (no kubelet: created Ready, untainted, their node Leases
// renewed by this process, see support/fake-nodes.ts); for the operator they are the simulator's own hosts.
// Then COUNT objects (300), CONCURRENCY creates in flight (20), each of 1 vCPU / 2 GiB pinned to one of the
// six zones in turn (a Pod by a nodeSelector on its zone, a Compute by its subnet), and every other pair with
// a required anti-affinity on the host against its group (at most 10 members per zone, so all fit).
//   Pods: kube-scheduler built from the control plane's Kubernetes module (support/kube-scheduler.ts), run
//   with the admin kubeconfig, leader election off and a scheduler name of its own; timed from each create
//   to the moment a watch sees spec.nodeName set: bound/s and p50/p99 create-to-bound.
//   Computes: the operator, started and checked for running alone as compute-e2e does
//   (support/bench-operator.ts); timed to the moment a watch sees condition Scheduled=True (or phase
//   Scheduled): placed/s and p50/p99 create-to-Scheduled.
// Prints both, the ratios (operator / kube-scheduler), and checks that no anti-affinity group shares a host;
// then one JSON line (the last) for tooling.
//
// Needs: the local stack up (`npm run stack:up`; never started here) with no simulator faults and no other
// operator on it (it refuses, naming it), the Go toolchain the first time (kube-scheduler is built into
// ~/.cache/omnicloud/bin/k8s-v<version>/ once), and the stack lock:
//   flock /tmp/omnicloud-stack.lock npm run bench -- placement
// Knobs: COUNT (300), CONCURRENCY (20), OMNICLOUD_WORKERS (16, the default), OMNICLOUD_QUEUE_RATE (500), SCHEDULER_QPS and
// SCHEDULER_BURST (kube-scheduler's own defaults, 50 and 100).
// It removes everything it created however it ends (normal end, failure, SIGINT/SIGTERM/SIGHUP): the Pods
// (force-deleted: no kubelet will confirm), the Nodes and their Leases, the Computes and Networks (through
// the operator), the namespaces, the operator's ServiceAccount binding, and the kube-scheduler and operator
// processes.
import * as k8s from '@kubernetes/client-node';
import { endpoints } from '../hack/stack/endpoints.ts';
import { adminConfig, eventually, uniqueName } from '../test/support/kube.ts';
import { installCrds } from '../test/support/operator.ts';
import {
  api,
  computeManifest,
  inPhase,
  networkManifest,
  removeInfra,
  waitFor,
} from '../test/support/infra.ts';
import { defaultConfig } from '../controllers/provider/simulator/state.ts';
import { ensureNoOtherOperator, startBenchOperator } from './support/bench-operator.ts';
import { createFakeNodes, simulatorHosts } from './support/fake-nodes.ts';
import { inFlight } from './support/in-flight.ts';
import { startKubeScheduler } from './support/kube-scheduler.ts';
import { Milestones } from './support/milestones.ts';
import { runBench } from './support/run-bench.ts';
import { requireStack } from './support/stack.ts';
import { perSecond, round, spread } from './support/stats.ts';
import type { Teardown } from './support/teardown.ts';

const count = Number(process.env.COUNT ?? 300);
const concurrency = Number(process.env.CONCURRENCY ?? 20);
const workers = process.env.OMNICLOUD_WORKERS ?? '16';
const rate = process.env.OMNICLOUD_QUEUE_RATE ?? '500';
const placeTimeoutMs = 600_000;

const log = (msg: string) => console.error(`[placement] ${msg}`);

interface Slot {
  region: string;
  zone: string;
  /** The anti-affinity group, for the half that has one. */
  group?: string;
}

const zones = defaultConfig.regions.flatMap((r) => r.zones.map((zone) => ({ region: r.name, zone })));

/** Object i's zone (round robin) and, every other pair, its anti-affinity group (one per zone per 120). */
function slot(i: number): Slot {
  const { region, zone } = zones[i % zones.length]!;
  const anti = Math.floor(i / zones.length) % 2 === 0;
  return { region, zone, ...(anti ? { group: `anti-${zone}-${Math.floor(i / 120)}` } : {}) };
}
const subnetOf = (zone: string) => zone.slice(-1);

interface Figures {
  perSecond: number;
  allMs: number;
  latency: { p50: number; p99: number; max: number };
}

function figures(sentAt: number[], doneAt: number[], start: number): Figures {
  const allMs = Math.max(...doneAt) - start;
  return {
    perSecond: perSecond(doneAt.length, allMs),
    allMs,
    latency: spread(doneAt.map((t, i) => t - sentAt[i]!)),
  };
}

/** Members of one anti-affinity group found on one host: what must never happen. */
function antiAffinityViolations(placed: { group?: string; host?: string }[]): number {
  const seen = new Set<string>();
  let violations = 0;
  for (const p of placed) {
    if (!p.group || !p.host) continue;
    const key = `${p.group}@${p.host}`;
    if (seen.has(key)) violations++;
    seen.add(key);
  }
  return violations;
}

async function waitForAll<T extends k8s.KubernetesObject>(
  seen: Milestones<T>,
  mark: string,
  what: string,
  start: number,
): Promise<void> {
  let lastReport = performance.now();
  while (seen.count(mark) < count) {
    const now = performance.now();
    if (now - start > placeTimeoutMs) {
      throw new Error(`${what}: ${seen.count(mark)} of ${count} after ${placeTimeoutMs / 1000} s`);
    }
    if (now - lastReport > 5000) {
      lastReport = now;
      log(`${what}: ${seen.count(mark)} of ${count}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface PodView extends k8s.KubernetesObject {
  spec?: { nodeName?: string };
}

async function placePods(
  kc: k8s.KubeConfig,
  teardown: Teardown,
  run: string,
): Promise<Figures & { violations: number }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const hosts = simulatorHosts(run);
  log(`${hosts.length} fake Nodes`);
  await createFakeNodes(kc, hosts, run, teardown, log);

  const ns = uniqueName('bench-pods');
  await core.createNamespace({ body: { metadata: { name: ns } } });
  teardown.add(`delete namespace ${ns}`, async () => {
    await core.deleteNamespace({ name: ns });
  });
  // Bound Pods have no kubelet to confirm a graceful deletion: they go at once, or never.
  teardown.add(`force-delete the Pods of ${ns}`, async () => {
    await core.deleteCollectionNamespacedPod({ namespace: ns, gracePeriodSeconds: 0 });
  });
  // The ServiceAccount admission plugin refuses Pods until the controller manager has made `default`.
  await eventually('the default ServiceAccount', () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: ns }),
  );

  const schedulerName = `${run}-scheduler`;
  const scheduler = await startKubeScheduler(
    {
      kubeconfig: endpoints().kubeconfig,
      schedulerName,
      qps: process.env.SCHEDULER_QPS ? Number(process.env.SCHEDULER_QPS) : undefined,
      burst: process.env.SCHEDULER_BURST ? Number(process.env.SCHEDULER_BURST) : undefined,
    },
    teardown,
    log,
  );
  log(`kube-scheduler pid ${scheduler.pid} (log ${scheduler.logFile})`);

  const seen = new Milestones<PodView>(
    kc,
    `/api/v1/namespaces/${ns}/pods`,
    (p) => (p.spec?.nodeName ? ['bound'] : []),
    log,
  );
  await seen.start();
  teardown.add('stop the Pod watch', () => seen.stop());

  log(`${count} Pod creates, ${concurrency} in flight`);
  const start = performance.now();
  const creates = await inFlight(count, concurrency, (i) => {
    const s = slot(i);
    return core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: `pod-${i}`, labels: { app: 'bench', ...(s.group ? { group: s.group } : {}) } },
        spec: {
          schedulerName,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 0,
          nodeSelector: { 'topology.kubernetes.io/zone': s.zone },
          containers: [
            {
              name: 'app',
              image: 'registry.k8s.io/pause:3.10',
              resources: { requests: { cpu: '1', memory: '2Gi' } },
            },
          ],
          ...(s.group
            ? {
                affinity: {
                  podAntiAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [
                      {
                        labelSelector: { matchLabels: { group: s.group } },
                        topologyKey: 'kubernetes.io/hostname',
                      },
                    ],
                  },
                },
              }
            : {}),
        },
      },
    });
  });
  await waitForAll(seen, 'bound', 'Pods bound', start);
  const boundAt = Array.from({ length: count }, (_, i) => seen.first(`pod-${i}`, 'bound')!);
  const pods = await core.listNamespacedPod({ namespace: ns });
  const violations = antiAffinityViolations(
    pods.items.map((p) => ({ group: p.metadata?.labels?.group, host: p.spec?.nodeName })),
  );
  return { ...figures(creates.sentAt, boundAt, start), violations };
}

interface ComputeView extends k8s.KubernetesObject {
  metadata?: k8s.V1ObjectMeta;
  status?: { phase?: string; hostId?: string; conditions?: { type: string; status: string }[] };
}

const placed = (c: ComputeView) =>
  c.status?.phase === 'Scheduled' ||
  !!c.status?.conditions?.some((x) => x.type === 'Scheduled' && x.status === 'True');

async function placeComputes(
  kc: k8s.KubeConfig,
  teardown: Teardown,
  run: string,
): Promise<Figures & { violations: number }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const ns = uniqueName(`tenant-${run}`);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  teardown.add(`delete namespace ${ns}`, async () => {
    await core.deleteNamespace({ name: ns });
  });
  const op = await startBenchOperator(kc, teardown, 'placement', {
    OMNICLOUD_WORKERS: workers,
    OMNICLOUD_QUEUE_RATE: rate,
  });
  log(`operator ${op.process.identity} leads (log ${op.process.logFile})`);
  const networks = defaultConfig.regions.map((r) => `net-${r.name}`);
  const names = Array.from({ length: count }, (_, i) => `vm-${i}`);
  teardown.add(`delete the Computes and Networks of ${ns}`, () => removeInfra(kc, ns, names, networks));
  for (const r of defaultConfig.regions) {
    await custom.createNamespacedCustomObject({
      ...api,
      plural: 'networks',
      namespace: ns,
      body: networkManifest(ns, `net-${r.name}`, {
        region: r.name,
        subnets: r.zones.map((zone) => ({ name: subnetOf(zone), zone, prefixLength: 21 })),
      }),
    });
  }
  for (const n of networks) await waitFor(kc, 'networks', ns, n, 'Ready', inPhase('Ready'), 120_000);

  const seen = new Milestones<ComputeView>(
    kc,
    `/apis/${api.group}/${api.version}/namespaces/${ns}/computes`,
    (c) => (placed(c) ? ['placed'] : []),
    log,
  );
  await seen.start();
  teardown.add('stop the Compute watch', () => seen.stop());

  log(
    `${count} Compute creates, ${concurrency} in flight, operator with ${workers} workers, queue ${rate}/s`,
  );
  const start = performance.now();
  const creates = await inFlight(count, concurrency, (i) => {
    const s = slot(i);
    return custom.createNamespacedCustomObject({
      ...api,
      plural: 'computes',
      namespace: ns,
      body: computeManifest(
        ns,
        `vm-${i}`,
        {
          region: s.region,
          network: `net-${s.region}`,
          subnet: subnetOf(s.zone),
          ...(s.group ? { placement: { affinity: [], antiAffinity: [{ group: s.group }] } } : {}),
        },
        { app: 'bench', ...(s.group ? { group: s.group } : {}) },
      ),
    });
  });
  await waitForAll(seen, 'placed', 'Computes placed', start);
  const placedAt = names.map((n) => seen.first(n, 'placed')!);
  const list = (await custom.listNamespacedCustomObject({ ...api, plural: 'computes', namespace: ns })) as {
    items: ComputeView[];
  };
  const violations = antiAffinityViolations(
    list.items.map((c) => ({ group: c.metadata?.labels?.group, host: c.status?.hostId })),
  );
  return { ...figures(creates.sentAt, placedAt, start), violations };
}

async function bench(teardown: Teardown): Promise<void> {
  const kc = adminConfig();
  await requireStack(kc);
  installCrds();
  // Before anything is created: the Compute half needs the operator to itself.
  await ensureNoOtherOperator(kc, 'placement');
  const run = uniqueName('bench-place');

  const podPhase = teardown.mark();
  const pods = await placePods(kc, teardown, run);
  log('removing the Pods, the scheduler and the Nodes before the Compute half');
  await teardown.unwindTo(podPhase);

  const computes = await placeComputes(kc, teardown, run);

  const { vcpu, memoryMiB } = defaultConfig.hostCapacity;
  const ratio = (a: number, b: number) => round(a / b);
  const result = {
    bench: 'placement',
    count,
    concurrency,
    hosts: zones.length * defaultConfig.hostsPerZone,
    anti_affine: Array.from({ length: count }, (_, i) => slot(i)).filter((s) => s.group).length,
    pods_bound_per_s: pods.perSecond,
    pods_all_bound_s: round(pods.allMs / 1000),
    pod_create_to_bound_s: pods.latency,
    pod_anti_affinity_violations: pods.violations,
    computes_placed_per_s: computes.perSecond,
    computes_all_placed_s: round(computes.allMs / 1000),
    compute_create_to_scheduled_s: computes.latency,
    compute_anti_affinity_violations: computes.violations,
    placed_vs_bound_rate: ratio(computes.perSecond, pods.perSecond),
    p50_ratio: ratio(computes.latency.p50, pods.latency.p50),
    p99_ratio: ratio(computes.latency.p99, pods.latency.p99),
  };
  const p = (s: { p50: number; p99: number; max: number }) =>
    `p50 ${s.p50.toFixed(3)} s   p99 ${s.p99.toFixed(3)} s   max ${s.max.toFixed(3)} s`;
  const row = (label: string, value: string) => console.log(`  ${label.padEnd(36)}${value}`);
  console.log('');
  console.log(
    `placement: ${count} objects (1 vCPU / 2 GiB, ${result.anti_affine} with required host anti-affinity) on ` +
      `${result.hosts} hosts of ${vcpu} vCPU / ${memoryMiB / 1024} GiB in ${zones.length} zones, ${concurrency} creates in flight`,
  );
  row(
    'kube-scheduler: Pods bound',
    `${pods.perSecond.toFixed(1)} /s  (all bound after ${result.pods_all_bound_s} s)`,
  );
  row('  create to bound', p(pods.latency));
  row(
    'operator: Computes Scheduled',
    `${computes.perSecond.toFixed(1)} /s  (all placed after ${result.computes_all_placed_s} s)`,
  );
  row('  create to Scheduled=True', p(computes.latency));
  row('placed/s / bound/s', String(result.placed_vs_bound_rate));
  row('p50 / p50, p99 / p99', `${result.p50_ratio}, ${result.p99_ratio}  (operator / kube-scheduler)`);
  row('anti-affinity violations', `Pods ${pods.violations}, Computes ${computes.violations}`);
  console.log(JSON.stringify(result));
}

await runBench(log, bench);
