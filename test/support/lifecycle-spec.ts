// The behaviour every lifecycle table must have, checked against moves written from README.md's prose (not
// copied from the table): each ordered pair of phases allowed or refused as the README says, with the pairs
// where README and table disagree pinned by name; refusals naming what is allowed; the final phase without a
// way out and reachable from every other; and many writers racing through check-then-compare-and-set never
// leaving an illegal step behind (see phase-race.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Random } from '../unit/billing/prng.ts';
import { badSteps, racePhaseWriters, type WriteRule } from './phase-race.ts';

export type Move<P extends string> = `${P}->${P}`;

export interface LifecycleSpec<P extends string> {
  kind: string;
  /** The phases as the README names them. */
  readmePhases: readonly P[];
  /** The phases the CRD schema knows. */
  schemaPhases: readonly P[];
  final: P;
  /** Each README phrase, and the moves it allows. */
  readme: readonly (readonly [phrase: string, moves: readonly Move<P>[]])[];
  /** Moves the table allows and the README does not, and moves the README allows and the table refuses. */
  disagreements: { tableOnly: readonly Move<P>[]; readmeOnly: readonly Move<P>[] };
  /** The module under test: whether a move is allowed, and the refusal it throws. */
  allows(from: P, to: P): boolean;
  assertMove(from: P, to: P): void;
  isRefusal(err: unknown, from: P, to: P): boolean;
  /** What racing writers try, repeated to weight it; the final phase rarely, so histories run long. */
  raceTargets: readonly P[];
}

export function checkLifecycleBehaviour<P extends string>(spec: LifecycleSpec<P>): void {
  const phases = spec.readmePhases;
  const move = (from: P, to: P): Move<P> => `${from}->${to}`;
  const readmeAllows = new Set(spec.readme.flatMap(([, moves]) => moves));
  const { tableOnly, readmeOnly } = spec.disagreements;
  const expected = new Set<Move<P>>([
    ...[...readmeAllows].filter((m) => !readmeOnly.includes(m)),
    ...tableOnly,
  ]);
  const expectedAllowed = (from: P, to: P): boolean => expected.has(move(from, to));
  const why = (m: Move<P>): string =>
    readmeAllows.has(m)
      ? readmeOnly.includes(m)
        ? 'the README allows it, the table refuses it (pinned)'
        : 'the README allows it'
      : tableOnly.includes(m)
        ? 'the table allows it, the README does not say so (pinned)'
        : 'the README does not allow it';

  it('has the phases the README names', () => {
    assert.deepEqual([...spec.schemaPhases].sort(), [...phases].sort());
  });

  it('quotes README.md: every row it reads the moves from stands there word for word', () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    for (const [phrase] of spec.readme)
      assert.ok(readme.includes(phrase), `README.md no longer says: ${phrase}`);
  });

  it('pins each disagreement with the README once, and only real ones', () => {
    for (const m of tableOnly) assert.ok(!readmeAllows.has(m), `${m} is in the README`);
    for (const m of readmeOnly) assert.ok(readmeAllows.has(m), `${m} is not in the README`);
    assert.equal(new Set([...tableOnly, ...readmeOnly]).size, tableOnly.length + readmeOnly.length);
  });

  for (const from of phases) {
    it(`from ${from}: allows exactly the expected moves, refusing the rest and naming what is allowed`, () => {
      for (const to of phases) {
        const m = move(from, to);
        assert.equal(spec.allows(from, to), expectedAllowed(from, to), `${m}: ${why(m)}`);
        if (expectedAllowed(from, to)) assert.doesNotThrow(() => spec.assertMove(from, to), m);
        else
          assert.throws(
            () => spec.assertMove(from, to),
            (err) => spec.isRefusal(err, from, to),
            m,
          );
      }
      // Staying put is never a move, so there is always a refusal to read.
      let refusal = '';
      try {
        spec.assertMove(from, from);
      } catch (err) {
        refusal = (err as Error).message;
      }
      const named = refusal.split(`allowed from ${from}: `)[1];
      assert.deepEqual(
        named === 'none' ? [] : named?.split(', ').sort(),
        phases.filter((to) => expectedAllowed(from, to)).sort(),
        refusal || `${from} -> ${from} was allowed`,
      );
    });
  }

  it(`${spec.final} is final: nothing leaves it, not even to itself`, () => {
    for (const to of phases) {
      assert.equal(spec.allows(spec.final, to), false, `${spec.final} -> ${to}`);
      assert.throws(
        () => spec.assertMove(spec.final, to),
        (err) => spec.isRefusal(err, spec.final, to),
      );
    }
  });

  it(`every other phase can still reach ${spec.final}, so a deletion always finishes`, () => {
    for (const from of phases.filter((p) => p !== spec.final)) {
      const seen = new Set<P>([from]);
      const queue = [from];
      while (queue.length) {
        const at = queue.shift()!;
        for (const to of phases) if (spec.allows(at, to) && !seen.has(to)) (seen.add(to), queue.push(to));
      }
      assert.ok(seen.has(spec.final), `${from} cannot reach ${spec.final}`);
    }
  });

  describe(`many writers moving one ${spec.kind} at once`, () => {
    const seeds = Array.from({ length: 200 }, (_, i) => 7919 * (i + 1));
    const starts = phases.filter((p) => p !== spec.final);
    const race = async (seed: number, rule: WriteRule) => {
      const random = new Random(seed);
      const start = random.pick(starts);
      const result = await racePhaseWriters({
        targets: spec.raceTargets,
        allowed: spec.allows,
        start,
        writers: 12,
        attemptsPerWriter: 40,
        rule,
        random,
      });
      return { start, ...result };
    };

    it('check-then-compare-and-set never stores an unknown phase or takes an illegal step', async () => {
      let steps = 0;
      let conflicts = 0;
      let ended = 0;
      const taken = new Set<Move<P>>();
      for (const seed of seeds) {
        const { start, final, history, conflicts: lost } = await race(seed, 'compare-and-set');
        assert.ok(phases.includes(final), `seed ${seed}: stored ${final}`);
        assert.deepEqual(badSteps(start, history, expectedAllowed), [], `seed ${seed}`);
        assert.equal(final, history.at(-1)?.to ?? start, `seed ${seed}: the last step is what is stored`);
        steps += history.length;
        conflicts += lost;
        if (final === spec.final) ended++;
        for (const s of history) taken.add(move(s.from, s.to));
      }
      // The race was real: writers collided, histories ran long, and every allowed move was taken.
      assert.ok(conflicts > seeds.length, `only ${conflicts} conflicts`);
      assert.ok(steps > seeds.length * 5, `only ${steps} steps`);
      assert.ok(ended > 0, `no history reached ${spec.final}`);
      assert.deepEqual(
        [...expected].filter((m) => !taken.has(m)),
        [],
        'allowed moves never taken',
      );
    });

    it('the same checks catch the illegal steps that writing without compare-and-set lets through', async () => {
      let illegal = 0;
      for (const seed of seeds) {
        const { start, history } = await race(seed, 'blind');
        illegal += badSteps(start, history, expectedAllowed).length;
      }
      assert.ok(illegal > 0, 'blind writes took no illegal step: the race checks nothing');
    });
  });
}
