// End-to-end benchmark: 1,000 Compute objects created through the API server, timed until every one is
// Running on the cloud simulator, next to 1,000 plain ConfigMap creates measured in the same run as the
// baseline of what the API server alone costs. Starts the local stack if needed and its own operator.
// Run: npm run bench -- compute-e2e   (COUNT=200 for a quicker run)
import { execFileSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { adminConfig, uniqueName } from '../test/support/kube.ts';
import { installCrds, startOperator } from '../test/support/operator.ts';
import {
  api,
  computeManifest,
  createNamespace,
  deleteNamespace,
  networkManifest,
} from '../test/support/infra.ts';

const count = Number(process.env.COUNT ?? 1000);
const concurrency = Number(process.env.CONCURRENCY ?? 20);
const workers = process.env.OMNICLOUD_WORKERS ?? '8';
const rate = process.env.OMNICLOUD_QUEUE_RATE ?? '500';

const log = (msg: string) => console.error(`[compute-e2e] ${msg}`);
const seconds = (ms: number) => Math.round(ms) / 1000;

async function inBatches(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return performance.now() - start;
}

async function phases(custom: k8s.CustomObjectsApi, namespace: string): Promise<Map<string, number>> {
  const list = (await custom.listNamespacedCustomObject({ ...api, plural: 'computes', namespace })) as {
    items: { status?: { phase?: string } }[];
  };
  const counts = new Map<string, number>();
  for (const c of list.items)
    counts.set(c.status?.phase ?? 'New', (counts.get(c.status?.phase ?? 'New') ?? 0) + 1);
  return counts;
}

execFileSync(process.execPath, ['--import', 'tsx', 'hack/stack/cli.ts', 'up'], {
  stdio: ['ignore', process.stderr, process.stderr],
});
installCrds();
const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const ns = uniqueName('tenant-bench');
await createNamespace(kc, ns);
const op = await startOperator(uniqueName('bench-op'), {
  OMNICLOUD_LEADER_ELECTION: 'false',
  OMNICLOUD_WORKERS: workers,
  OMNICLOUD_QUEUE_RATE: rate,
  OMNICLOUD_LOG_LEVEL: 'info',
});
try {
  log(`baseline: ${count} ConfigMap creates, ${concurrency} at a time`);
  const cmMs = await inBatches(count, (i) =>
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
  for (;;) {
    const n = (await custom.getNamespacedCustomObject({
      ...api,
      plural: 'networks',
      namespace: ns,
      name: 'net',
    })) as { status?: { phase?: string } };
    if (n.status?.phase === 'Ready') break;
    await new Promise((r) => setTimeout(r, 200));
  }

  log(
    `${count} Compute creates, ${concurrency} at a time, operator with ${workers} workers and a ${rate}/s queue rate`,
  );
  const start = performance.now();
  const createMs = await inBatches(count, (i) =>
    custom.createNamespacedCustomObject({
      ...api,
      plural: 'computes',
      namespace: ns,
      body: computeManifest(ns, `vm-${i}`, { subnet: i % 2 ? 'b' : 'a' }),
    }),
  );
  let lastReport = 0;
  let runningMs = 0;
  for (;;) {
    const counts = await phases(custom, ns);
    const elapsed = performance.now() - start;
    if ((counts.get('Running') ?? 0) === count) {
      runningMs = elapsed;
      break;
    }
    if (elapsed - lastReport > 5_000) {
      lastReport = elapsed;
      log(`${seconds(elapsed)}s: ${[...counts].map(([p, n]) => `${p} ${n}`).join(', ')}`);
    }
    if (elapsed > 20 * 60_000)
      throw new Error(`not all Running after 20 minutes: ${JSON.stringify([...counts])}`);
    await new Promise((r) => setTimeout(r, 500));
  }

  const result = {
    bench: 'compute-e2e',
    count,
    concurrency,
    operator_workers: Number(workers),
    queue_rate_per_s: Number(rate),
    configmap_create_s: seconds(cmMs),
    configmap_creates_per_s: Math.round((count / cmMs) * 1000 * 10) / 10,
    compute_create_s: seconds(createMs),
    compute_creates_per_s: Math.round((count / createMs) * 1000 * 10) / 10,
    all_running_s: seconds(runningMs),
    computes_running_per_s: Math.round((count / runningMs) * 1000 * 10) / 10,
    running_vs_configmap_ratio: Math.round((count / runningMs / (count / cmMs)) * 1000) / 1000,
  };
  console.log('');
  console.log(`compute-e2e: ${count} objects, ${concurrency} concurrent creates`);
  console.log(
    `  ConfigMaps created             ${result.configmap_create_s.toFixed(2).padStart(8)} s  ${result.configmap_creates_per_s.toFixed(1).padStart(8)} /s`,
  );
  console.log(
    `  Computes created               ${result.compute_create_s.toFixed(2).padStart(8)} s  ${result.compute_creates_per_s.toFixed(1).padStart(8)} /s`,
  );
  console.log(
    `  Computes all Running           ${result.all_running_s.toFixed(2).padStart(8)} s  ${result.computes_running_per_s.toFixed(1).padStart(8)} /s`,
  );
  console.log(`  Running rate / ConfigMap rate  ${result.running_vs_configmap_ratio}`);
  console.log(JSON.stringify(result));
} finally {
  log('cleaning up (deleting the instances through the operator)');
  await custom
    .deleteCollectionNamespacedCustomObject({ ...api, plural: 'computes', namespace: ns })
    .catch(() => undefined);
  for (let i = 0; i < 600; i++) {
    const left = (await phases(custom, ns).catch(() => new Map())) as Map<string, number>;
    if ([...left.values()].reduce((a, b) => a + b, 0) === 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await custom
    .deleteNamespacedCustomObject({ ...api, plural: 'networks', namespace: ns, name: 'net' })
    .catch(() => undefined);
  await new Promise((r) => setTimeout(r, 3000));
  await op.stop();
  await deleteNamespace(kc, ns);
}
