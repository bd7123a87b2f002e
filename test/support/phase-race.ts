// Many writers moving one resource's phase at once, for the lifecycle property tests. Each writer follows the
// rule the stores follow: read the phase, check the move against the lifecycle, then write only if the phase
// is still the one it read (compare-and-set, what `UPDATE ... WHERE uid = $1 AND phase = $2` does). The
// blind rule (check against what was read, then write whatever is there now) is the control: the same
// checks must catch the illegal steps it lets through.

export type WriteRule = 'compare-and-set' | 'blind';

/** What the race needs of a seeded random source (test/unit/billing/prng.ts's Random fits). */
export interface RaceRandom {
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

export interface Step<P extends string> {
  from: P;
  to: P;
  writer: number;
}

export interface RaceResult<P extends string> {
  final: P;
  /** Every write that landed, in order: `from` is the phase stored when it landed. */
  history: Step<P>[];
  /** Moves the lifecycle check refused. */
  refused: number;
  /** Checked moves lost to a writer that moved the phase first (the store's PhaseConflict). */
  conflicts: number;
}

export interface RaceOptions<P extends string> {
  /** The moves writers try, repeated to make some likelier (all of them, illegal ones included). */
  targets: readonly P[];
  allowed: (from: P, to: P) => boolean;
  start: P;
  writers: number;
  attemptsPerWriter: number;
  rule: WriteRule;
  random: RaceRandom;
}

export async function racePhaseWriters<P extends string>(o: RaceOptions<P>): Promise<RaceResult<P>> {
  let stored = o.start;
  const history: Step<P>[] = [];
  let refused = 0;
  let conflicts = 0;
  // A few turns of the microtask queue: other writers run in between, as other workers and replicas do
  // between a read and the write that follows it. The seeded source makes each interleaving replayable.
  const others = async (): Promise<void> => {
    for (let turns = o.random.int(0, 3); turns > 0; turns--) await Promise.resolve();
  };
  const writer = async (id: number): Promise<void> => {
    for (let attempt = 0; attempt < o.attemptsPerWriter; attempt++) {
      const read = stored;
      await others();
      const to = o.random.pick(o.targets);
      if (!o.allowed(read, to)) {
        refused++;
        continue;
      }
      await others();
      // No await between the comparison and the write: one statement, as in the database.
      if (o.rule === 'compare-and-set' && stored !== read) {
        conflicts++;
        continue;
      }
      history.push({ from: stored, to, writer: id });
      stored = to;
    }
  };
  await Promise.all(Array.from({ length: o.writers }, (_, id) => writer(id)));
  return { final: stored, history, refused, conflicts };
}

/** The steps of a history that the lifecycle does not allow, or that do not start where the last one ended. */
export function badSteps<P extends string>(
  start: P,
  history: readonly Step<P>[],
  allowed: (from: P, to: P) => boolean,
): string[] {
  const bad: string[] = [];
  let at = start;
  history.forEach((s, i) => {
    if (s.from !== at) bad.push(`#${i}: starts from ${s.from}, but the phase was ${at}`);
    if (!allowed(s.from, s.to)) bad.push(`#${i}: ${s.from} -> ${s.to} by writer ${s.writer}`);
    at = s.to;
  });
  return bad;
}
