// Benchmark of Compute placement: the indexed Scheduler against the NaiveScheduler baseline on 1,000 and
// 10,000 hosts pre-filled to about half, under a mixed workload issued 50 requests at a time. Prints a table,
// then one JSON line (the last line) for tooling. Run: npx tsx bench/scheduler.ts
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Scheduler } from '../controllers/compute/scheduler/index.ts';
import { NaiveScheduler } from '../controllers/compute/scheduler/naive.ts';
import type { Host, PlacementRequest, PlacementScheduler } from '../controllers/compute/scheduler/types.ts';

// A forced collection before each heap reading keeps garbage out of the index-memory figure.
setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const regions = ['eu-west-1', 'us-east-1', 'ap-south-1'];
const zones = ['a', 'b', 'c'];
const concurrency = 50;

// Seeded so every run, and both schedulers, see the same cluster and the same requests.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeHosts(count: number, rnd: () => number): Host[] {
  const sizes = [
    { vcpu: 16, memoryMiB: 65536, gpu: 0 },
    { vcpu: 16, memoryMiB: 65536, gpu: 0 },
    { vcpu: 48, memoryMiB: 196608, gpu: 0 },
    { vcpu: 48, memoryMiB: 196608, gpu: 0 },
    { vcpu: 96, memoryMiB: 393216, gpu: 0 },
    { vcpu: 64, memoryMiB: 262144, gpu: 8 },
  ];
  return Array.from({ length: count }, (_, i) => ({
    id: `host-${String(i).padStart(5, '0')}`,
    region: regions[i % 3]!,
    zone: zones[Math.floor(i / 3) % 3]!,
    capacity: { ...sizes[Math.floor(rnd() * sizes.length)]! },
  }));
}

/** One request of the mixed workload: plain, zone-pinned, anti-affine, affine, spread or cluster member. */
function makeRequest(id: string, hostCount: number, rnd: () => number, mixed: boolean): PlacementRequest {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const vcpu = pick([1, 1, 2, 2, 4, 4, 8, 16]);
  const app = `svc-${Math.floor(rnd() * (hostCount / 4))}`;
  const req: PlacementRequest = {
    instanceId: id,
    tenant: 'bench',
    region: pick(regions),
    vcpu,
    memoryMiB: vcpu * pick([2048, 4096, 8192]),
    labels: { app, team: `team-${Math.floor(rnd() * 20)}` },
  };
  if (rnd() < 0.05) req.gpu = pick([1, 2]);
  if (!mixed) return req;
  const kind = rnd();
  if (kind < 0.4) return req;
  if (kind < 0.6) req.zone = pick(zones);
  else if (kind < 0.75) req.antiAffinity = [{ app }];
  else if (kind < 0.8) req.affinity = [{ app: `svc-${Math.floor(rnd() * (hostCount / 4))}` }];
  else {
    const strategy = kind < 0.9 ? 'spread' : 'cluster';
    const group = Math.floor(rnd() * (hostCount / 10));
    // A group lives in one region, as it would in one tenant's deployment.
    req.region = regions[group % 3]!;
    req.placementGroup = { name: `${strategy}-${group}`, strategy };
  }
  return req;
}

type Op = { place: PlacementRequest } | { release: number };

interface RunStats {
  requests: number;
  placed: number;
  p50: number;
  p95: number;
  p99: number;
  perSecond: number;
}

/** Issues the ops 50 at a time as concurrent async callers; latency runs from issue to decision. */
async function runWorkload(s: PlacementScheduler, ops: Op[], live: string[]): Promise<RunStats> {
  const latencies: number[] = [];
  let placed = 0;
  const start = performance.now();
  for (let i = 0; i < ops.length; i += concurrency) {
    const batch = ops.slice(i, i + concurrency).map(async (op) => {
      const issued = performance.now();
      await new Promise((resolve) => setImmediate(resolve));
      if ('release' in op) {
        if (live.length === 0) return;
        const at = Math.floor(op.release * live.length);
        s.release(live[at]!);
        live[at] = live[live.length - 1]!;
        live.pop();
        return;
      }
      const result = s.place(op.place);
      latencies.push(performance.now() - issued);
      if (result.ok) {
        placed++;
        live.push(op.place.instanceId);
      }
    });
    await Promise.all(batch);
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    placed,
    p50: pct(0.5),
    p95: pct(0.95),
    p99: pct(0.99),
    perSecond: latencies.length / seconds,
  };
}

async function benchCluster(hostCount: number, ops: number, baselineOps: number) {
  const rnd = mulberry32(hostCount);
  const hosts = makeHosts(hostCount, rnd);
  const totalVcpu = hosts.reduce((sum, h) => sum + h.capacity.vcpu, 0);
  const prefill: PlacementRequest[] = [];
  for (let used = 0, i = 0; used < totalVcpu / 2; i++) {
    const req = makeRequest(`pre-${i}`, hostCount, rnd, true);
    prefill.push(req);
    used += req.vcpu;
  }
  const workload: Op[] = Array.from({ length: ops }, (_, i) =>
    rnd() < 0.55 ? { place: makeRequest(`w-${i}`, hostCount, rnd, true) } : { release: rnd() },
  );

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const scheduler = new Scheduler(hosts);
  const restored: { req: PlacementRequest; hostId: string }[] = [];
  for (const req of prefill) {
    const result = scheduler.place(req);
    if (result.ok) restored.push({ req, hostId: result.hostId });
  }
  gc();
  const indexMemory = process.memoryUsage().heapUsed - heapBefore;
  const usedVcpu = restored.reduce((sum, p) => sum + p.req.vcpu, 0);

  const indexed = await runWorkload(
    scheduler,
    workload,
    restored.map((p) => p.req.instanceId),
  );
  // The baseline starts from the very same placements, restored rather than re-decided, to stay affordable.
  const naive = new NaiveScheduler(hosts, restored);
  const baseline = await runWorkload(
    naive,
    workload.slice(0, baselineOps),
    restored.map((p) => p.req.instanceId),
  );
  return {
    hostCount,
    fill: usedVcpu / totalVcpu,
    instances: restored.length,
    indexed,
    baseline,
    indexMemory,
    indexEstimate: scheduler.index.memoryBytesEstimate(),
  };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
const began = performance.now();
const results = [await benchCluster(1000, 20000, 4000), await benchCluster(10000, 20000, 600)];

const rows = results.flatMap((r) =>
  [['Scheduler', r.indexed] as const, ['NaiveScheduler', r.baseline] as const].map(([name, s]) => ({
    hosts: r.hostCount,
    scheduler: name,
    'place requests': s.requests,
    'placed %': round((100 * s.placed) / s.requests, 1),
    'p50 ms': round(s.p50, 3),
    'p95 ms': round(s.p95, 3),
    'p99 ms': round(s.p99, 3),
    'placements/s': Math.round(s.perSecond),
  })),
);
console.table(rows);
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
for (const r of results) {
  const speedup = (r.indexed.perSecond / r.baseline.perSecond).toFixed(1);
  console.log(
    `${r.hostCount} hosts: pre-filled to ${(100 * r.fill).toFixed(1)}% of vCPU with ${r.instances} ` +
      `instances; index heap delta ${mib(r.indexMemory)} (estimate ${mib(r.indexEstimate)}); ` +
      `speedup ${speedup}x. The baseline ran the first ${r.baseline.requests} place requests of the ` +
      `same workload (the Scheduler ran ${r.indexed.requests}) to bound its time.`,
  );
}
console.log(
  `${concurrency} concurrent requests per batch; total ${((performance.now() - began) / 1000).toFixed(1)} s`,
);

const summary = (r: (typeof results)[number]) => ({
  hosts: r.hostCount,
  p50_ms: round(r.indexed.p50, 3),
  p95_ms: round(r.indexed.p95, 3),
  p99_ms: round(r.indexed.p99, 3),
  placements_per_s: Math.round(r.indexed.perSecond),
  baseline_placements_per_s: Math.round(r.baseline.perSecond),
  speedup: round(r.indexed.perSecond / r.baseline.perSecond, 1),
  index_memory_bytes: r.indexMemory,
});
console.log(JSON.stringify({ bench: 'scheduler', ...summary(results[0]!), h10000: summary(results[1]!) }));
