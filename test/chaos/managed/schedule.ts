// The schedule of the managed-reconciler kill test, drawn from one seed: which operation each run starts on
// which kind, how a remediation is provoked, how long after its operation starts the operator is killed, and
// which runs share one kill (a round). Pure: the same seed draws the same schedule, so CHAOS_SEED=<seed>
// replays a failing run's draw (the stack's own timing still varies).
import { randomInt } from 'node:crypto';
import { Random } from '../../unit/billing/prng.ts';

export type Kind = 'Compute' | 'Volume' | 'Network';
export type Operation = 'create' | 'update' | 'remediate' | 'delete';
/**
 * What is done at the provider's console to provoke a remediation. stop-again stops an instance that was
 * stopped and put back once before: the same drift, so the same remediation plan, a second time.
 */
export type Edit = 'stop' | 'stop-again' | 'resize' | 'delete' | 'grow';

export interface Run {
  /** Names the run and its object, such as compute-remediate-2. */
  name: string;
  kind: Kind;
  op: Operation;
  /** For a remediation, the out-of-band edit that provokes it. */
  edit?: Edit;
  /** From the start of the operation to the kill, in ms, within [0, killWindowMs). */
  killAfterMs: number;
}

export interface Round {
  index: number;
  /** The extra time every provider operation takes in this round, so kills land inside them. */
  slowMs: number;
  runs: Run[];
}

export interface Schedule {
  seed: number;
  rounds: Round[];
}

/** How many runs of each operation each kind gets (Network has no drift remediation yet). */
export const runsPerKind: Readonly<Record<Kind, Partial<Record<Operation, number>>>> = {
  Compute: { create: 3, update: 3, remediate: 4, delete: 3 },
  Volume: { create: 3, update: 2, remediate: 3, delete: 2 },
  Network: { create: 4, delete: 4 },
};

/** The edits that provoke a remediation of each kind; every one is drawn at least once when runs allow. */
export const editsOf: Readonly<Record<Kind, readonly Edit[]>> = {
  Compute: ['stop', 'stop-again', 'resize', 'delete'],
  Volume: ['delete', 'grow'],
  Network: [],
};

export const killWindowMs = 2_000;
export const defaultRounds = 6;

/** The seed of this test run: CHAOS_SEED when given, a fresh one otherwise. */
export function chaosSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.CHAOS_SEED;
  if (given === undefined || given === '') return randomInt(1, 2 ** 31 - 1);
  const seed = Number(given);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`CHAOS_SEED must be a whole number, got ${given}`);
  return seed;
}

function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function drawSchedule(seed: number, rounds = defaultRounds): Schedule {
  const random = new Random(seed);
  const runs: Run[] = [];
  for (const kind of Object.keys(runsPerKind) as Kind[]) {
    for (const [op, count] of Object.entries(runsPerKind[kind]) as [Operation, number][]) {
      // Edits are dealt from a shuffled deck so that each kind's edits all come up before any repeats.
      let deck: Edit[] = [];
      for (let i = 1; i <= count; i++) {
        let edit: Edit | undefined;
        if (op === 'remediate') {
          if (deck.length === 0) deck = shuffled(random, editsOf[kind]);
          edit = deck.pop();
        }
        runs.push({
          name: `${kind.toLowerCase()}-${op}-${i}`,
          kind,
          op,
          ...(edit ? { edit } : {}),
          killAfterMs: random.int(0, killWindowMs - 1),
        });
      }
    }
  }
  const dealt = shuffled(random, runs);
  return {
    seed,
    rounds: Array.from({ length: rounds }, (_, index) => ({
      index: index + 1,
      slowMs: random.int(800, 1_600),
      runs: dealt.filter((_, i) => i % rounds === index),
    })),
  };
}

/** One line per run, for the test's log and a failure's message. */
export function describeRun(run: Run): string {
  return `${run.name} (${run.kind} ${run.op}${run.edit ? ` by console ${run.edit}` : ''}, kill ${run.killAfterMs} ms in)`;
}
