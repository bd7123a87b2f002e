// End-to-end benchmark: COUNT Compute objects (1,000 by default) created through the API server, 20 creates
// in flight, timed until every one is Running on the cloud simulator, next to COUNT plain ConfigMap creates
// in the same run as the baseline of what the API server alone costs. Prints Computes/s to Running, the
// concurrent ConfigMap create rate and their ratio, p50/p99 create-to-Running with where that time goes
// (create to finalizer, to Scheduled, to Running, seen by a watch), the operator's API writes per instance
// (from the API server's audit log) and its resident memory; then one JSON line (the last) for tooling.
//
// It runs alone. An operator beside the benchmark's own would reconcile the same Computes and the two would
// race (double placements, conflicting status writes), so before it starts anything it looks for one: a live
// holder of the leader Lease (kube-system/omnicloud-operator) and operator processes on this machine against
// the same API server (`npm start`, a test's operator, which runs without leader election and so is in no
// Lease). If it finds one it refuses, naming it and how to stop it (exit 75). It does not instead give itself
// a Lease and namespaces of its own: operators watch every namespace, so no namespace of its own would keep
// another operator off its objects, and a Lease of its own would only mean it no longer waits for the
// operator that runs. Its own operator campaigns for the usual Lease, and the run starts only once it leads,
// so an operator started while it runs waits as a standby (one with leader election off would not: run it
// under the stack lock, as the tests that start such operators are).
//
// Needs the local stack up (`npm run stack:up`; it never starts it) with no simulator faults injected.
// Run under the stack lock:  flock /tmp/omnicloud-stack.lock npm run bench -- compute-e2e
// Knobs: COUNT (1000), CONCURRENCY (20), OMNICLOUD_WORKERS (16, the default), OMNICLOUD_QUEUE_RATE (500), RUNNING_TIMEOUT_S
// (600: past it the run fails, saying which phases the Computes are stuck in and why).
// Everything it creates (namespaces, a ServiceAccount and its ClusterRoleBinding, the operator process) is
// removed however it ends: normal end, failure, or SIGINT/SIGTERM/SIGHUP.
import * as k8s from '@kubernetes/client-node';
import { adminConfig, uniqueName } from '../test/support/kube.ts';
import { installCrds } from '../test/support/operator.ts';
import {
  api,
  computeManifest,
  inPhase,
  networkManifest,
  removeInfra,
  waitFor,
} from '../test/support/infra.ts';
import { writesOf, total } from './support/api-writes.ts';
import { ensureNoOtherOperator, startBenchOperator } from './support/bench-operator.ts';
import { inFlight } from './support/in-flight.ts';
import { Milestones } from './support/milestones.ts';
import { measureCpu, stackProcesses } from './support/cpu.ts';
import { bucketQuantile, delta, samples } from './support/prometheus.ts';
import { providerOperationMs, requireStack } from './support/stack.ts';
import { perSecond, round, seconds, spread } from './support/stats.ts';
import { runBench } from './support/run-bench.ts';
import type { Teardown } from './support/teardown.ts';

const count = Number(process.env.COUNT ?? 1000);
const concurrency = Number(process.env.CONCURRENCY ?? 20);
const workers = process.env.OMNICLOUD_WORKERS ?? '16';
const rate = process.env.OMNICLOUD_QUEUE_RATE ?? '500';

const runningTimeoutMs = Number(process.env.RUNNING_TIMEOUT_S ?? 600) * 1000;

const log = (msg: string) => console.error(`[compute-e2e] ${msg}`);

interface ComputeView extends k8s.KubernetesObject {
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** The milestones a Compute has reached, as the watch sees it. */
function computeMarks(c: ComputeView): string[] {
  const marks: string[] = [];
  if (c.metadata?.finalizers?.length) marks.push('finalizer');
  if (c.status) marks.push('status');
  const phase = c.status?.phase;
  if (phase) marks.push(phase);
  if (
    phase === 'Scheduled' ||
    c.status?.conditions?.some((x) => x.type === 'Scheduled' && x.status === 'True')
  )
    marks.push('placed');
  return marks;
}

/** Where the Computes are when they did not all reach Running in time: phases and the commonest messages. */
async function stuck(
  custom: k8s.CustomObjectsApi,
  namespace: string,
  count: number,
  ms: number,
): Promise<string> {
  const list = (await custom.listNamespacedCustomObject({ ...api, plural: 'computes', namespace })) as {
    items: { status?: { phase?: string; message?: string } }[];
  };
  const tally = (key: (c: (typeof list.items)[number]) => string) => {
    const m = new Map<string, number>();
    for (const c of list.items) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
    return [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([k, n]) => `${n} x ${k}`)
      .join('; ');
  };
  return (
    `not all ${count} Computes Running after ${ms / 1000} s: phases ${tally((c) => c.status?.phase ?? 'none')}; ` +
    `messages ${tally((c) => c.status?.message ?? 'none')}`
  );
}

async function run(teardown: Teardown): Promise<void> {
  const kc = adminConfig();
  await requireStack(kc);
  installCrds();
  await ensureNoOtherOperator(kc, 'compute-e2e');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);

  const ns = uniqueName('tenant-bench');
  await core.createNamespace({ body: { metadata: { name: ns } } });
  teardown.add(`delete namespace ${ns}`, async () => {
    await core.deleteNamespace({ name: ns });
  });
  const op = await startBenchOperator(kc, teardown, 'compute-e2e', {
    OMNICLOUD_WORKERS: workers,
    OMNICLOUD_QUEUE_RATE: rate,
  });
  // Registered after the operator: steps run in reverse, so the Computes go while the operator still runs.
  const names = Array.from({ length: count }, (_, i) => `vm-${i}`);
  teardown.add(`delete the Computes and the Network of ${ns}`, () => removeInfra(kc, ns, names));
  log(`operator ${op.process.identity} leads (log ${op.process.logFile})`);

  log(`baseline: ${count} ConfigMap creates, ${concurrency} in flight`);
  const configMaps = await inFlight(count, concurrency, (i) =>
    core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: `cm-${i}` }, data: { i: String(i) } },
    }),
  );

  log('network');
  await custom.createNamespacedCustomObject({
    ...api,
    plural: 'networks',
    namespace: ns,
    body: networkManifest(ns, 'net', {
      subnets: [
        { name: 'a', zone: 'eu-west-1a', prefixLength: 21 },
        { name: 'b', zone: 'eu-west-1b', prefixLength: 21 },
      ],
    }),
  });
  await waitFor(kc, 'networks', ns, 'net', 'Ready', inPhase('Ready'), 120_000);

  const seen = new Milestones<ComputeView>(
    kc,
    `/apis/${api.group}/${api.version}/namespaces/${ns}/computes`,
    computeMarks,
    log,
  );
  await seen.start();
  teardown.add('stop the Compute watch', () => seen.stop());
  const metricsBefore = samples(await op.metrics());
  const auditMark = op.auditMark();

  log(
    `${count} Compute creates, ${concurrency} in flight, operator with ${workers} workers, queue ${rate}/s`,
  );
  const cpuOfPhase = measureCpu(stackProcesses({ operator: op.pid }));
  const start = performance.now();
  const creates = await inFlight(count, concurrency, (i) =>
    custom.createNamespacedCustomObject({
      ...api,
      plural: 'computes',
      namespace: ns,
      body: computeManifest(ns, `vm-${i}`, { subnet: i % 2 ? 'b' : 'a' }),
    }),
  );
  let lastReport = performance.now();
  while (seen.count('Running') < count) {
    const now = performance.now();
    if (now - start > runningTimeoutMs) throw new Error(await stuck(custom, ns, count, runningTimeoutMs));
    if (now - lastReport > 5_000) {
      lastReport = now;
      const phases = ['status', 'placed', 'Provisioning', 'Running'].map((m) => `${m} ${seen.count(m)}`);
      log(`${seconds(now - start)} s: ${phases.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const at = (mark: string) => names.map((n) => seen.first(n, mark)!);
  const running = at('Running');
  const runningMs = Math.max(...running) - start;
  const cpu = cpuOfPhase();
  const rss = op.rssMiB();
  // The audit log is written as each request ends: a moment for the last status writes to land in it.
  await new Promise((r) => setTimeout(r, 2000));
  const requests = op.requestsSince(auditMark);
  if (!requests) log('the API server rotated its audit log during the run: API writes are not counted');
  const writes = writesOf(requests ?? [], ns);
  const metrics = delta(metricsBefore, samples(await op.metrics()), 'omnicloud_', 'controller="compute"');

  const since = (from: number[], to: number[]) => to.map((t, i) => t - from[i]!);
  const sent = creates.sentAt;
  const toRunning = spread(since(sent, running));
  const segments = {
    create_to_finalizer: spread(since(sent, at('finalizer'))),
    finalizer_to_placed: spread(since(at('finalizer'), at('placed'))),
    placed_to_running: spread(since(at('placed'), running)),
    create_to_placed: spread(since(sent, at('placed'))),
  };
  const series = (name: string, result = '') =>
    [...metrics].filter(([s]) => s.startsWith(name) && s.includes(result)).reduce((a, [, v]) => a + v, 0);
  const reconciles = {
    success: series('omnicloud_reconcile_total', 'result="success"'),
    requeue: series('omnicloud_reconcile_total', 'result="requeue"'),
    error:
      series('omnicloud_reconcile_total') -
      series('omnicloud_reconcile_total', 'result="success"') -
      series('omnicloud_reconcile_total', 'result="requeue"'),
    mean_reconcile_ms: round(
      (series('omnicloud_reconcile_duration_seconds_sum') /
        series('omnicloud_reconcile_duration_seconds_count')) *
        1000,
      1,
    ),
    mean_queue_wait_ms: round(
      (series('omnicloud_workqueue_latency_seconds_sum') /
        series('omnicloud_workqueue_latency_seconds_count')) *
        1000,
      1,
    ),
    reconcile_p50_p99_s: [0.5, 0.99].map((q) =>
      bucketQuantile(metrics, 'omnicloud_reconcile_duration_seconds', q),
    ),
    queue_wait_p50_p99_s: [0.5, 0.99].map((q) =>
      bucketQuantile(metrics, 'omnicloud_workqueue_latency_seconds', q),
    ),
  };
  const reconcileCount = reconciles.success + reconciles.requeue + reconciles.error;
  // What the workers could do at the measured cost of a reconcile: an upper bound on instances/s.
  const workerBoundPerS = round(
    (Number(workers) / (reconciles.mean_reconcile_ms / 1000)) * (count / reconcileCount),
    1,
  );
  const cmRate = perSecond(count, configMaps.ms);
  const runRate = perSecond(count, runningMs);
  const result = {
    bench: 'compute-e2e',
    count,
    concurrency,
    operator_workers: Number(workers),
    queue_rate_per_s: Number(rate),
    configmap_creates_per_s: cmRate,
    compute_creates_per_s: perSecond(count, creates.ms),
    all_running_s: seconds(runningMs),
    computes_running_per_s: runRate,
    running_vs_configmap_ratio: round(runRate / cmRate),
    create_to_running_s: toRunning,
    provider_operation_s: seconds(providerOperationMs),
    segments_s: segments,
    api_writes_per_instance: requests ? round(total(writes.inNamespace) / count, 2) : null,
    api_writes_by_kind: Object.fromEntries(writes.inNamespace),
    operator_writes_all: writes.all,
    reconciles_per_instance: round(reconcileCount / count, 2),
    reconciles,
    worker_bound_instances_per_s: workerBoundPerS,
    cpu_s: Object.fromEntries(Object.entries(cpu.byProcess).map(([n, ms]) => [n, seconds(ms)])),
    cpu_phase_wall_s: seconds(cpu.wallMs),
    cores: cpu.cores,
    operator_rss_mib: rss,
  };
  const row = (label: string, value: string) => console.log(`  ${label.padEnd(38)}${value}`);
  const p = (s: { p50: number; p99: number; max: number }) =>
    `p50 ${s.p50.toFixed(3)} s   p99 ${s.p99.toFixed(3)} s   max ${s.max.toFixed(3)} s`;
  console.log('');
  console.log(
    `compute-e2e: ${count} objects, ${concurrency} creates in flight, ${workers} workers, queue ${rate}/s`,
  );
  row('ConfigMaps created (concurrent)', `${cmRate.toFixed(1)} /s`);
  row('Computes created', `${result.compute_creates_per_s.toFixed(1)} /s`);
  row('Computes to Running', `${runRate.toFixed(1)} /s  (all Running after ${result.all_running_s} s)`);
  row('Running rate / ConfigMap rate', `${result.running_vs_configmap_ratio}  (target >= 0.5)`);
  row(
    'create to Running',
    `${p(toRunning)}  (target p99 <= ${(2 + result.provider_operation_s).toFixed(2)} s: 2 s + provider ${result.provider_operation_s} s)`,
  );
  row('  create to finalizer added', p(segments.create_to_finalizer));
  row('  finalizer to Scheduled=True', p(segments.finalizer_to_placed));
  row('  Scheduled=True to Running', p(segments.placed_to_running));
  row(
    'API writes per instance',
    `${result.api_writes_per_instance}  (${[...writes.inNamespace].map(([k, v]) => `${k} ${v}`).join(', ')})`,
  );
  row(
    'reconciles per instance',
    `${result.reconciles_per_instance}  (success ${reconciles.success}, requeue ${reconciles.requeue}, error ${reconciles.error})`,
  );
  const [r50, r99] = reconciles.reconcile_p50_p99_s;
  const [q50, q99] = reconciles.queue_wait_p50_p99_s;
  row(
    '  one reconcile',
    `mean ${reconciles.mean_reconcile_ms} ms, p50 <= ${r50} s, p99 <= ${r99} s (histogram buckets)`,
  );
  row(
    '  wait in the queue',
    `mean ${reconciles.mean_queue_wait_ms} ms, p50 <= ${q50} s, p99 <= ${q99} s (histogram buckets)`,
  );
  row('  workers at that cost allow', `${workerBoundPerS} instances/s`);
  row(
    `CPU over the Compute phase (${result.cpu_phase_wall_s} s x ${cpu.cores} cores)`,
    Object.entries(result.cpu_s)
      .map(([n, sec]) => `${n} ${sec} s`)
      .join(', '),
  );
  row('operator RSS', `${rss.now} MiB at the end, ${rss.peak} MiB peak`);
  console.log(JSON.stringify(result));
}

await runBench(log, run);
