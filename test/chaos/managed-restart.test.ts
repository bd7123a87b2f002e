// Kill the operator (SIGKILL) at random points while the managed reconciler creates, updates, remediates and
// deletes Computes, Volumes and Networks, start a fresh one, and check what the crash could have broken: no
// outside resource twice, none left behind by a delete, every transition and drift event told exactly once.
// The schedule is drawn from one seed, printed first; CHAOS_SEED=<seed> draws the same schedule again.
// Runs share a kill in rounds: each round starts its runs' operations at offsets chosen so that the one kill
// lands the drawn time into each operation.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { stackConsole } from '../support/console.ts';
import { migratedPool } from '../support/databases.ts';
import {
  create,
  createNamespace,
  deleteNamespace,
  read,
  remove,
  simulator,
  type InfraPlural,
} from '../support/infra.ts';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';
import { installCrds } from '../support/operator.ts';
import {
  auditCounts,
  eventProblems,
  lastOutboxSeq,
  listedCounts,
  lookAtProvider,
  outboxEvents,
  providerProblems,
  type Outcome,
  type ProviderView,
} from './managed/checks.ts';
import {
  act,
  computeNetwork,
  computeNetworkManifest,
  consoleVolumeSize,
  expectedDrifted,
  finalPhase,
  grownVolumeSize,
  leadMs,
  manifestOf,
  pluralOf,
  recordedPlan,
  recordedRow,
  volumeSize,
  type Subject,
} from './managed/objects.ts';
import { OperatorSuccession } from './managed/operators.ts';
import { chaosSeed, describeRun, drawSchedule, type Kind, type Round, type Run } from './managed/schedule.ts';

interface Managed {
  metadata: { uid: string; generation?: number };
  status?: {
    phase?: string;
    providerId?: string;
    conditions?: { type: string; status: string; observedGeneration?: number }[];
  };
}

/** The run as it was before its operation: what the objects of update, remediate and delete runs start as. */
const asCreated = (run: Run): Run => ({ name: run.name, kind: run.kind, op: 'create', killAfterMs: 0 });

describe('chaos: operator killed at random points of managed create, update, remediation and delete', function () {
  const seed = chaosSeed();
  const schedule = drawSchedule(seed);
  const runs = schedule.rounds.flatMap((r) => r.runs);
  const kc = adminConfig();
  const ns = uniqueName('tenant-chaos-managed');
  const cloud = stackConsole();
  const operators = new OperatorSuccession('chaos-managed', {
    OMNICLOUD_LEADER_ELECTION: 'false',
    OMNICLOUD_OBSERVE_INTERVAL_MS: '1000',
    OMNICLOUD_SHUTDOWN_GRACE_MS: '2000',
  });
  const subjects = new Map<string, Subject>(runs.map((run) => [run.name, { run, outboxSeq: '0' }]));
  /** Where the kill found each run: before the operator acted, part way, or after it finished. */
  const landed = { untouched: [] as string[], midway: [] as string[], finished: [] as string[] };
  let infra: pg.Pool;
  let audit: pg.Pool;
  let firstSeq = '0';
  let baseline: Record<Kind, number>;
  let cleanedUp = false;

  const tag = (run: Run) => `CHAOS_SEED=${seed} ${describeRun(run)}`;

  /** What keeps the object from being settled as the run wants it, or undefined when it is. */
  async function unsettled(s: Subject, run: Run = s.run): Promise<string | undefined> {
    const obj = await read<Managed>(kc, pluralOf[run.kind], ns, run.name);
    const want = finalPhase(run);
    if (!want) return obj ? `still there in ${obj.status?.phase}` : undefined;
    if (!obj) return 'gone';
    s.uid = obj.metadata.uid;
    if (obj.status?.phase !== want) return `status phase ${obj.status?.phase}`;
    const row = await recordedRow(infra, run.kind, s.uid);
    if (row?.phase !== want) return `recorded phase ${row?.phase}`;
    if (run.kind === 'Network') return undefined;
    const size = run.op === 'update' ? grownVolumeSize : run.edit === 'grow' ? consoleVolumeSize : volumeSize;
    if (run.kind === 'Volume' && row.size_gib !== size) return `recorded ${row.size_gib} GiB, not ${size}`;
    const drifted = obj.status.conditions?.find((c) => c.type === 'Drifted');
    if (drifted?.status !== expectedDrifted(run) || drifted.observedGeneration !== obj.metadata.generation)
      return `Drifted ${drifted?.status} at generation ${drifted?.observedGeneration}`;
    const plan = await recordedPlan(infra, s.uid);
    if (plan) return `plan ${plan} under way`;
    if (run.op !== 'remediate') return undefined;
    if (run.edit === 'delete' && row.provider_id === s.before?.provider_id) return 'not created again yet';
    // The Drifted condition may still be the one from before the edit: the last drift event tells it is over.
    const last = run.edit === 'grow' ? 'drift-detected' : 'drift-cleared';
    const events = (await outboxEvents(infra, [s.uid], s.outboxSeq)).get(s.uid)!;
    return events.some((e) => e.type.endsWith(`.${last}`)) ? undefined : `no ${last} event yet`;
  }

  /** Waits until the object settles; what kept it from settling, or undefined. */
  async function settle(s: Subject, run: Run = s.run, timeoutMs = 90_000): Promise<string | undefined> {
    let last = '';
    try {
      await eventually(
        `${run.name} settled`,
        async () => {
          const problem = await unsettled(s, run);
          last = problem ?? '';
          return problem ? undefined : true;
        },
        timeoutMs,
      );
      return undefined;
    } catch (err) {
      return `not settled after ${timeoutMs / 1000} s: ${last || (err as Error).message}`;
    }
  }

  /** What the provider, infra_db and the status say of each object now. */
  async function outcomes(subjectsOf: Subject[]): Promise<Outcome[]> {
    return Promise.all(
      subjectsOf
        .filter((s) => s.uid)
        .map(async (s) => {
          const obj = await read<Managed>(kc, pluralOf[s.run.kind], ns, s.run.name);
          const { rows } = await infra.query<{ n: string }>(
            'SELECT count(*) AS n FROM addresses WHERE owner_uid = $1',
            [s.uid],
          );
          return {
            run: s.run,
            uid: s.uid!,
            row: await recordedRow(infra, s.run.kind, s.uid!),
            before: s.before,
            statusProviderId: obj?.status?.providerId,
            addresses: Number(rows[0]!.n),
          };
        }),
    );
  }

  /** The provider's listings once their counts are what the operations imply (they lag a little). */
  async function providerAt(want: Record<Kind, number>): Promise<{ view: ProviderView; problems: string[] }> {
    let view = await lookAtProvider();
    const differ = () =>
      (Object.keys(want) as Kind[])
        .filter((k) => listedCounts(view)[k] !== want[k])
        .map((k) => `${k}: ${listedCounts(view)[k]} listed, ${want[k]} expected`);
    await eventually(
      'the provider listings to agree',
      async () => {
        view = await lookAtProvider();
        return differ().length === 0 ? true : undefined;
      },
      20_000,
    ).catch(() => undefined);
    return { view, problems: differ() };
  }

  /** Every event of the objects in the audit trail exactly once (the relay and consumer may lag). */
  async function auditProblems(ids: string[]): Promise<string[]> {
    let counts = new Map<string, number>();
    const off = () => ids.filter((id) => counts.get(id) !== 1);
    await eventually(
      'the audit trail to hold every event',
      async () => {
        counts = await auditCounts(audit, ids);
        return off().length === 0 ? true : undefined;
      },
      60_000,
    ).catch(() => undefined);
    return off().map((id) => `event ${id} is in the audit trail ${counts.get(id) ?? 0} times`);
  }

  function failIf(problems: Map<string, string[]>, where: string): void {
    const broken = [...problems].filter(([, p]) => p.length > 0);
    if (broken.length === 0) return;
    const lines = broken.map(
      ([name, p]) =>
        `  ${subjects.get(name) ? tag(subjects.get(name)!.run) : name}:\n    ${p.join('\n    ')}`,
    );
    assert.fail(`${where} (operator logs: test-operators/chaos-managed-*.log)\n${lines.join('\n')}`);
  }

  before(async function () {
    this.timeout(240_000);
    console.log(`      CHAOS_SEED=${seed}: ${runs.length} runs in ${schedule.rounds.length} rounds`);
    installCrds();
    infra = await migratedPool('infra_db');
    audit = await migratedPool('audit_db');
    await simulator.clearFaults();
    await createNamespace(kc, ns);
    firstSeq = await lastOutboxSeq(infra);
    baseline = listedCounts(await lookAtProvider());
    await operators.start();
    // What update, remediation and delete start from: created and settled before the first kill.
    await create(kc, computeNetworkManifest(ns));
    const prepared = runs.filter((r) => r.op !== 'create').map((r) => subjects.get(r.name)!);
    for (const s of prepared) await create(kc, manifestOf(ns, s.run.kind, s.run.name));
    const problems = await Promise.all(
      prepared.map(async (s) => {
        const created = await settle(s, asCreated(s.run), 120_000);
        if (created || s.run.edit !== 'stop-again') return created;
        // The first of the two stops, put back before the round's.
        s.outboxSeq = await lastOutboxSeq(infra);
        s.before = await recordedRow(infra, s.run.kind, s.uid!);
        await act(kc, cloud, ns, s);
        return settle(s, { ...s.run, edit: 'stop' });
      }),
    );
    failIf(
      new Map(prepared.map((s, i) => [s.run.name, problems[i] ? [`preparing: ${problems[i]}`] : []])),
      'preparing',
    );
  });

  after(async function () {
    this.timeout(240_000);
    await simulator.clearFaults();
    try {
      if (!cleanedUp && infra) {
        await operators.running();
        await removeAll(30_000);
      }
    } finally {
      await operators.stopAll();
      await deleteNamespace(kc, ns);
      await Promise.all([infra?.end(), audit?.end()]);
    }
  });

  async function removeAll(timeoutMs: number): Promise<void> {
    for (const run of runs) await remove(kc, pluralOf[run.kind], ns, run.name);
    const gone = (plural: InfraPlural, name: string) =>
      eventually(
        `${name} gone`,
        async () => ((await read(kc, plural, ns, name)) ? undefined : true),
        timeoutMs,
      );
    await Promise.all(runs.map((run) => gone(pluralOf[run.kind], run.name)));
    await remove(kc, 'networks', ns, computeNetwork);
    await gone('networks', computeNetwork);
  }

  async function playRound(round: Round): Promise<void> {
    const began = Date.now();
    await operators.running();
    const playing = round.runs.map((r) => subjects.get(r.name)!);
    const roundSeq = await lastOutboxSeq(infra);
    for (const s of playing) {
      s.outboxSeq = roundSeq;
      if (s.uid) s.before = await recordedRow(infra, s.run.kind, s.uid);
    }
    const want = listedCounts(await lookAtProvider());
    for (const { run } of playing) want[run.kind] += run.op === 'create' ? 1 : run.op === 'delete' ? -1 : 0;
    const callsBefore = await cloud.calls();

    // One kill for the round, each operation started so that it lands its drawn time in.
    await simulator.faults({ slowMs: round.slowMs });
    const now = Date.now();
    const leads = playing.map((s) => leadMs(s, now));
    const killAt = Math.max(...playing.map((s, i) => leads[i]! + s.run.killAfterMs));
    const actedAt = new Map<string, number>();
    const acting = playing.map(async (s, i) => {
      await delay(killAt - leads[i]! - s.run.killAfterMs);
      actedAt.set(s.run.name, Date.now() + leads[i]!);
      await act(kc, cloud, ns, s);
    });
    const killing = (async () => {
      await delay(killAt);
      const at = Date.now();
      await operators.kill();
      return at;
    })();
    const [killedAt] = await Promise.all([killing, Promise.all(acting)]);
    await simulator.clearFaults();

    // What the kill left, read while nothing runs.
    const atKill = new Map<string, string>();
    for (const s of playing) {
      const obj = await read<Managed>(kc, pluralOf[s.run.kind], ns, s.run.name);
      s.uid ??= obj?.metadata.uid;
      const row = s.uid ? await recordedRow(infra, s.run.kind, s.uid) : undefined;
      const moved = s.uid ? (await outboxEvents(infra, [s.uid], roundSeq)).get(s.uid)!.length : 0;
      const plan = s.uid ? await recordedPlan(infra, s.uid) : undefined;
      const done = (await unsettled(s)) === undefined;
      const where = done ? 'finished' : moved > 0 || plan ? 'midway' : 'untouched';
      landed[where].push(s.run.name);
      atKill.set(
        s.run.name,
        `${where}: ${row?.phase ?? 'not recorded'}${plan ? `, plan ${plan}` : ''}, ${moved} event(s) since the start`,
      );
    }

    const restartedAt = Date.now();
    await operators.start();
    const ready = Date.now();
    const settling = await Promise.all(playing.map((s) => settle(s)));
    const problems = new Map<string, string[]>(
      playing.map((s, i) => [s.run.name, settling[i] ? [settling[i]!] : []]),
    );

    const { view, problems: counts } = await providerAt(want);
    if (counts.length > 0) problems.set(`round ${round.index}`, [`listings: ${counts.join('; ')}`]);
    for (const o of await outcomes(playing)) problems.get(o.run.name)!.push(...providerProblems(view, o));
    const uids = playing.flatMap((s) => (s.uid ? [s.uid] : []));
    const events = await outboxEvents(infra, uids, firstSeq);
    for (const s of playing)
      if (s.uid) problems.get(s.run.name)!.push(...eventProblems(s.run, events.get(s.uid)!));
    const auditMissing = await auditProblems([...events.values()].flat().map((e) => e.id));
    if (auditMissing.length > 0) problems.set(`round ${round.index} audit`, auditMissing);

    const calls = (await cloud.calls()).total - callsBefore.total;
    console.log(
      `      round ${round.index} (slow ${round.slowMs} ms, operator ${operators.identity}): killed ${killedAt - now} ms in, ` +
        `restarted in ${((ready - restartedAt) / 1000).toFixed(1)} s, ${calls} provider calls, ${((Date.now() - began) / 1000).toFixed(1)} s in all`,
    );
    for (const s of playing)
      console.log(
        `        ${s.run.name}${s.run.edit ? ` (${s.run.edit})` : ''}: killed ${killedAt - actedAt.get(s.run.name)!} ms in ` +
          `(drawn ${s.run.killAfterMs}); ${atKill.get(s.run.name)}`,
      );
    failIf(problems, `round ${round.index}`);
  }

  for (const round of schedule.rounds) {
    it(`round ${round.index}: ${round.runs.map((r) => r.name).join(', ')}`, async function () {
      this.timeout(240_000);
      await playRound(round);
    });
  }

  it('keeps every event once after all rounds, and leaves nothing at the provider once all is deleted', async function () {
    this.timeout(240_000);
    console.log(
      `      the kills landed: ${landed.midway.length} part way through, ${landed.untouched.length} before the operator acted, ` +
        `${landed.finished.length} after it finished (${runs.length} runs)`,
    );
    // Kills that all missed the operations would prove nothing about a crash part way through one.
    assert.ok(
      landed.midway.length >= runs.length / 3,
      `CHAOS_SEED=${seed}: only ${landed.midway.length} of ${runs.length} kills landed part way through an operation`,
    );
    // Late repeats: a transition or drift event told again after its round was judged.
    const known = [...subjects.values()].filter((s) => s.uid);
    const events = await outboxEvents(
      infra,
      known.map((s) => s.uid!),
      firstSeq,
    );
    const problems = new Map(
      known.map((s) => [
        s.run.name,
        eventProblems(s.run, events.get(s.uid!)!).map((p) => `after all rounds: ${p}`),
      ]),
    );

    // A deleted Network's row goes with it: its range and id, read now, are what must be gone outside.
    for (const s of known) s.before = (await recordedRow(infra, s.run.kind, s.uid!)) ?? s.before;
    await operators.running();
    await removeAll(90_000);
    cleanedUp = true;
    const { view, problems: listings } = await providerAt(baseline);
    problems.set('listings back to where they were', listings);
    for (const o of await outcomes(known))
      problems
        .get(o.run.name)!
        .push(
          ...providerProblems(view, { ...o, run: { ...o.run, op: 'delete' } }).map(
            (p) => `after clean-up: ${p}`,
          ),
        );
    failIf(problems, 'after all rounds and clean-up');
  });
});
