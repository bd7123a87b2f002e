// Drift benchmark: COUNT managed objects (10,000 by default) held by the operator, EDITS (100) random
// out-of-band edits made at the cloud's console. Prints how long each edit takes to show as drift (p50/p99),
// the provider calls per observe interval over a steady stretch with the number of zones listed, the
// operator's resident memory against the 300 MB target for 10,000 objects, and the false findings (objects
// nobody edited that showed drift: must be 0), with the edits whose drift was not seen in time apart; then one
// JSON line (the last) for tooling.
//
// The objects are Volumes adopted by the omnicloud.io/external-name annotation. Their volumes are first
// created at the provider through its own API (one call each, 32 in flight: seconds for 10,000), then one
// Volume per volume is created in the API server with the annotation and the spec the volume has (management
// policy Full, deletion policy Delete, drift policy revert: the defaults), and the operator binds and compares
// each. That is the cheapest honest way to 10,000 managed objects: Computes would each take a scheduler
// placement, host capacity the simulator may not have and a create operation to wait for; Volumes created
// through the operator would each wait for a create operation too; adoption skips only the creation, which is
// not what is measured. The objects are real custom objects in the real API server, reconciled by the real
// operator against the stack's own simulator.
// Edits: a volume grown (the operator records it at its new size, cannot shrink it and reports the drift, as
// alert) or deleted (reported as missing and created again, as revert), GROW_SHARE of them grown, each at a
// random moment of EDIT_WINDOW_INTERVALS observe intervals. Detection: from the moment the simulator answers
// the edit to the moment a watch on the Volumes sees its Drifted condition True. A false finding is an object
// never edited whose Drifted condition turned True or whose status.drift.total rose above 0, at any time from
// its creation on (by the watch) or at the end (by a last list).
//
// It runs alone, as compute-e2e does (see there): it refuses beside another operator (exit 75) and starts its
// own. Needs the local stack up with no simulator faults. Run under the stack lock:
//   flock /tmp/omnicloud-stack.lock npm run bench -- drift
// Knobs: COUNT (10000), EDITS (100), OBSERVE_INTERVAL_S (10; the operator's default is 30, which would
// make a run several minutes longer), STEADY_INTERVALS (6), EDIT_WINDOW_INTERVALS (3), DETECT_TIMEOUT_S
// (3 intervals + 30), GROW_SHARE (0.5), ZONES (0: every zone up), SEED (random), CONCURRENCY (32),
// OMNICLOUD_WORKERS (16, the default), OMNICLOUD_QUEUE_RATE (500), OPERATOR_NODE_OPTIONS (none; Node options
// for the operator alone, such as --max-old-space-size=256). A quick check: COUNT=200 EDITS=10.
// Everything it creates (namespaces, the operator's ServiceAccount, the operator, the Volumes and the volumes
// at the provider) is removed however it ends.
import { randomInt } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { HttpProvider } from '../controllers/provider/http-client.ts';
import { defaultPageLimit } from '../controllers/provider/simulator/pages.ts';
import { endpoints } from '../hack/stack/endpoints.ts';
import { stackConsole, type CallCounts } from '../test/support/console.ts';
import { api } from '../test/support/infra.ts';
import { adminConfig, uniqueName } from '../test/support/kube.ts';
import { installCrds } from '../test/support/operator.ts';
import {
  ensureNoOtherOperator,
  startBenchOperator,
  type AuditMark,
  type BenchOperator,
} from './support/bench-operator.ts';
import { drawEdits, judge, type MadeEdit } from './support/drift-edits.ts';
import { inFlight } from './support/in-flight.ts';
import { Milestones } from './support/milestones.ts';
import { delta, samples } from './support/prometheus.ts';
import { reconcileFigures } from './support/reconcile-figures.ts';
import { createListedVolumes, placeOf, sweepVolumes, zonesUp } from './support/provider-volumes.ts';
import { runBench } from './support/run-bench.ts';
import { requireStack } from './support/stack.ts';
import { perSecond, round, seconds, spread } from './support/stats.ts';
import type { Teardown } from './support/teardown.ts';
import { printDrift, type DriftResult } from './support/drift-report.ts';
import {
  adoptingVolume,
  notInSync,
  removeVolumes,
  volumeMarks,
  writesByVolume,
  type VolumeObj,
} from './support/volume-objects.ts';

const log = (msg: string) => console.error(`[drift] ${msg}`);

function knob(name: string, fallback: number, min = 0): number {
  const value = Number(process.env[name] || fallback);
  if (!Number.isFinite(value) || value < min) {
    console.error(`${name}=${process.env[name]}: expected a number of at least ${min}`);
    process.exit(64);
  }
  return value;
}

const count = knob('COUNT', 10_000, 1);
const edits = knob('EDITS', 100, 1);
const intervalMs = knob('OBSERVE_INTERVAL_S', 10, 1) * 1000;
const steadyIntervals = knob('STEADY_INTERVALS', 6, 1);
const windowMs = knob('EDIT_WINDOW_INTERVALS', 3, 0) * intervalMs;
const detectTimeoutMs = knob('DETECT_TIMEOUT_S', (3 * intervalMs) / 1000 + 30, 1) * 1000;
const growShare = knob('GROW_SHARE', 0.5);
const zoneLimit = knob('ZONES', 0);
const seed = knob('SEED', randomInt(1, 2 ** 31 - 1));
const concurrency = knob('CONCURRENCY', 32, 1);
const workers = knob('OMNICLOUD_WORKERS', 16, 1);
const rate = knob('OMNICLOUD_QUEUE_RATE', 500, 1);
/** Node options for the operator alone, such as a heap limit (--max-old-space-size=256). */
const operatorNodeOptions = process.env.OPERATOR_NODE_OPTIONS ?? '';
const sizeGiB = 10;
/** The product's memory target: 10,000 objects held in at most 300 MB. */
const rssTarget = { mb: 300, objects: 10_000 };
if (edits > count) {
  console.error(`EDITS=${edits} is more than COUNT=${count}: each edit goes to an object of its own`);
  process.exit(64);
}

/** Writes to edited objects and to the others (which should have none), and the most to one object. */
function tallyWrites(writes: Map<string, number>, edited: Set<string>) {
  let toEdited = 0;
  let toOthers = 0;
  let most = 0;
  for (const [name, n] of writes) {
    if (edited.has(name)) toEdited += n;
    else toOthers += n;
    most = Math.max(most, n);
  }
  return { to_edited: toEdited, to_others: toOthers, objects_written: writes.size, most_to_one: most };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `done` until it holds, logging `progress` every 10 s; throws what `stuck` says past `timeoutMs`. */
async function until(
  done: () => boolean,
  timeoutMs: number,
  progress: () => string,
  stuck: () => Promise<string>,
): Promise<void> {
  const start = performance.now();
  let lastLog = start;
  while (!done()) {
    if (performance.now() - start > timeoutMs) throw new Error(await stuck());
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`${seconds(lastLog - start)} s: ${progress()}`);
    }
    await sleep(200);
  }
}

/** The largest resident memory of the operator, sampled each second from now until stop(). */
function rssSampler(op: BenchOperator): { stop(): number } {
  let max = op.rssMiB().now;
  const timer = setInterval(() => {
    try {
      max = Math.max(max, op.rssMiB().now);
    } catch {
      // The operator is gone: the run fails on its next request to it; nothing to sample.
    }
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, op.rssMiB().now);
    },
  };
}

async function run(teardown: Teardown): Promise<void> {
  const runStart = performance.now();
  const kc = adminConfig();
  await requireStack(kc);
  installCrds();
  await ensureNoOtherOperator(kc, 'drift');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const provider = new HttpProvider(endpoints().provider);
  const cloud = stackConsole();

  const ns = uniqueName('tenant-drift');
  await core.createNamespace({ body: { metadata: { name: ns } } });
  teardown.add(`delete namespace ${ns}`, async () => {
    await core.deleteNamespace({ name: ns });
  });
  const op = await startBenchOperator(kc, teardown, 'drift', {
    OMNICLOUD_WORKERS: String(workers),
    OMNICLOUD_QUEUE_RATE: String(rate),
    OMNICLOUD_OBSERVE_INTERVAL_MS: String(intervalMs),
    NODE_OPTIONS: operatorNodeOptions,
  });
  log(`operator ${op.process.identity} leads (log ${op.process.logFile})`);
  /** The operator's writes to the Volumes since `mark`; null when the audit log rotated meanwhile. */
  const writesSince = (mark: AuditMark, edited: Set<string>) => {
    const requests = op.requestsSince(mark);
    if (!requests) log('the API server rotated its audit log meanwhile: writes are not counted');
    return requests ? tallyWrites(writesByVolume(requests, ns), edited) : null;
  };

  const tokenPrefix = `${ns}-vol`;
  const uids = new Set<string>();
  // Last: what neither the operator nor the console deleted (a run cut short), by the tokens that made it.
  teardown.add('sweep the volumes of this run left at the provider', async () => {
    const swept = await sweepVolumes(provider, endpoints().provider, (v) =>
      Boolean(v.createdWith?.startsWith(`${tokenPrefix}-`) || uids.has(v.createdWith?.split(':')[0] ?? '')),
    );
    if (swept > 0) log(`${swept} volumes of this run deleted at the provider`);
  });
  const names = Array.from({ length: count }, (_, i) => `vol-${i}`);
  const seen = new Milestones<VolumeObj>(
    kc,
    `/apis/${api.group}/${api.version}/namespaces/${ns}/volumes`,
    volumeMarks,
    log,
  );
  await seen.start();
  teardown.add('stop the Volume watch', () => seen.stop());
  // First to run: the Volumes go while the operator still runs, so it deletes their volumes.
  teardown.add(`delete the Volumes of ${ns}`, () => removeVolumes(kc, ns, names, 120_000 + count * 60, log));

  const zones = await zonesUp(provider, zoneLimit);
  log(`${count} volumes at the provider in ${zones.length} zones, ${concurrency} calls in flight`);
  const created = await createListedVolumes(
    provider,
    { tokenPrefix, zones, count, concurrency, sizeGiB },
    log,
  );

  const rssBefore = op.rssMiB().now;
  log(`${count} Volumes adopting them, ${concurrency} creates in flight`);
  const volumeMetrics = async () => samples(await op.metrics());
  const phase = (before: Map<string, number>, after: Map<string, number>, ms: number) =>
    reconcileFigures(delta(before, after, 'omnicloud_', 'controller="volume"'), ms);
  const bindMetrics = await volumeMetrics();
  const bindStart = performance.now();
  const binds = await inFlight(count, concurrency, async (i) => {
    const obj = (await custom.createNamespacedCustomObject({
      ...api,
      plural: 'volumes',
      namespace: ns,
      body: adoptingVolume(ns, names[i]!, placeOf(zones, i), created.ids[i]!, sizeGiB),
    })) as k8s.KubernetesObject;
    uids.add(obj.metadata!.uid!);
  });
  await until(
    () => seen.count('inSync') >= count,
    Math.max(300_000, count * 100),
    () => `${seen.count('inSync')} of ${count} bound and in sync`,
    async () => `not all ${count} Volumes in sync: ${await notInSync(custom, ns)}`,
  );
  const boundMs = Math.max(...names.map((n) => seen.first(n, 'inSync')!)) - bindStart;
  const bind = phase(bindMetrics, await volumeMetrics(), boundMs);
  const toInSync = spread(names.map((n, i) => seen.first(n, 'inSync')! - binds.sentAt[i]!));
  log(`all ${count} bound and in sync after ${seconds(boundMs)} s`);

  // The first listing after the last adoption lists every object; the steady stretch starts after it.
  await sleep(intervalMs + 1_000);
  const rss = rssSampler(op);
  const steadyMetrics = await volumeMetrics();
  const steadyAudit = op.auditMark();
  await cloud.resetCalls();
  log(`steady stretch: ${steadyIntervals} observe intervals of ${intervalMs / 1000} s`);
  const steadyStart = performance.now();
  await sleep(steadyIntervals * intervalMs);
  const steadyCalls = await cloud.calls();
  const steadyMs = performance.now() - steadyStart;
  const steady = phase(steadyMetrics, await volumeMetrics(), steadyMs);
  const steadyWrites = writesSince(steadyAudit, new Set());

  const plan = drawEdits(seed, count, edits, windowMs, growShare);
  log(`${edits} out-of-band edits over ${windowMs / 1000} s (seed ${seed})`);
  const editMetrics = await volumeMetrics();
  const editAudit = op.auditMark();
  await cloud.resetCalls();
  const editStart = performance.now();
  const made: MadeEdit[] = [];
  for (const e of plan) {
    await sleep(editStart + e.atMs - performance.now());
    const id = created.ids[e.index]!;
    const sentAt = performance.now();
    const edit = { name: names[e.index]!, kind: e.kind, sentAt };
    try {
      if (e.kind === 'grow') await cloud.growVolume(id, sizeGiB + e.growGiB);
      else await cloud.deleteVolume(id);
      made.push({ ...edit, returnedAt: performance.now() });
    } catch (err) {
      made.push({ ...edit, returnedAt: performance.now(), refused: String(err) });
    }
  }
  const lastAnswer = Math.max(...made.map((m) => m.returnedAt));
  const landed = made.filter((m) => !m.refused);
  await until(
    () =>
      landed.every((m) => seen.first(m.name, 'drifted') !== undefined) ||
      performance.now() - lastAnswer > detectTimeoutMs,
    detectTimeoutMs + 10_000,
    () =>
      `${landed.filter((m) => seen.first(m.name, 'drifted') !== undefined).length} of ${landed.length} detected`,
    async () => 'detection wait overran its timeout',
  );
  // One interval more: drift showing on an object nobody edited would show by now.
  await sleep(intervalMs);
  const editCalls = await cloud.calls();
  const editMs = performance.now() - editStart;
  const editing = phase(editMetrics, await volumeMetrics(), editMs);
  const editWrites = writesSince(editAudit, new Set(landed.map((m) => m.name)));
  const holdingMiB = rss.stop();
  const rssNow = op.rssMiB();
  const heapMiB = round(
    (samples(await op.metrics()).get('omnicloud_operator_nodejs_heap_size_used_bytes') ?? 0) / 2 ** 20,
    1,
  );

  // A last look at every object, for drift the watch could have missed (a watch resumed after a gap).
  const end = performance.now();
  const final = (await custom.listNamespacedCustomObject({ ...api, plural: 'volumes', namespace: ns })) as {
    items: VolumeObj[];
  };
  const shownNow = new Set(
    final.items.filter((v) => volumeMarks(v).includes('driftShown')).map((v) => v.metadata!.name!),
  );
  const findings = judge(
    names,
    made,
    {
      detected: (n) => seen.first(n, 'drifted'),
      shown: (n) => seen.first(n, 'driftShown') ?? (shownNow.has(n) ? end : undefined),
    },
    detectTimeoutMs,
  );
  const deleted = landed.filter((m) => m.kind === 'delete').map((m) => m.name);
  const idOf = new Map(names.map((n, i) => [n, created.ids[i]!]));
  const recreated = final.items.filter(
    (v) =>
      deleted.includes(v.metadata!.name!) &&
      v.status?.phase === 'Available' &&
      v.status.providerId !== idOf.get(v.metadata!.name!),
  ).length;

  const perZone = zones.map((_, z) => Math.floor(count / zones.length) + (z < count % zones.length ? 1 : 0));
  const pagesPerInterval = perZone.reduce((a, n) => a + Math.max(1, Math.ceil(n / defaultPageLimit)), 0);
  const intervals = (ms: number) => ms / intervalMs;
  const perInterval = (c: CallCounts, ms: number) => round(c.total / intervals(ms), 2);
  const listing = (c: CallCounts, ms: number) =>
    round((c.byRoute['GET /v1/volumes'] ?? 0) / intervals(ms), 2);
  const rssMB = round(holdingMiB * 1.048576, 1);
  const result: DriftResult = {
    bench: 'drift',
    count,
    edits,
    seed,
    observe_interval_s: intervalMs / 1000,
    operator_workers: workers,
    queue_rate_per_s: rate,
    operator_node_options: operatorNodeOptions,
    zones: zones.length,
    objects_per_zone: perZone,
    provider_create_s: seconds(created.ms),
    bind_s: seconds(boundMs),
    bound_per_s: perSecond(count, boundMs),
    create_to_in_sync_s: toInSync,
    reconciles_bind: bind,
    steady_s: seconds(steadyMs),
    steady_intervals: round(intervals(steadyMs), 2),
    provider_calls_per_interval: perInterval(steadyCalls, steadyMs),
    volume_listing_calls_per_interval: listing(steadyCalls, steadyMs),
    listing_pages_per_interval_expected: pagesPerInterval,
    provider_calls_steady_by_route: steadyCalls.byRoute,
    reconciles_steady: steady,
    operator_writes_steady: steadyWrites,
    edits_made: landed.length,
    edits_refused: made.filter((m) => m.refused).map((m) => `${m.name}: ${m.refused}`),
    edits_grow: landed.filter((m) => m.kind === 'grow').length,
    edits_delete: deleted.length,
    edit_window_s: windowMs / 1000,
    detect_timeout_s: detectTimeoutMs / 1000,
    detection_s: spread(findings.latenciesMs),
    detected: findings.latenciesMs.length,
    missed: findings.missed,
    false_findings: findings.falseFindings.length,
    false_finding_names: findings.falseFindings.slice(0, 20),
    drift_before_edit: findings.driftBeforeEdit,
    deleted_created_again: recreated,
    provider_calls_per_interval_during_edits: perInterval(editCalls, editMs),
    provider_calls_during_edits_by_route: editCalls.byRoute,
    reconciles_edits: editing,
    operator_writes_edits: editWrites,
    operator_rss_mib: holdingMiB,
    operator_rss_mb: rssMB,
    rss_target_mb: rssTarget.mb,
    rss_target_objects: rssTarget.objects,
    // Judged only with as many objects as the target names: fewer would meet it too easily.
    rss_target_met: count >= rssTarget.objects ? rssMB <= rssTarget.mb : null,
    operator_rss_mib_before_objects: rssBefore,
    operator_rss_mib_at_end: rssNow.now,
    operator_peak_rss_mib: rssNow.peak,
    operator_heap_used_mib: heapMiB,
    run_s: seconds(performance.now() - runStart),
  };

  printDrift(result);
}

await runBench(log, run);
