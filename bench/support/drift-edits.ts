// The drift benchmark's out-of-band edits and how they are judged, pure: which objects are edited, how and
// when (drawn from one seed, so SEED=<n> replays a run's draw), and, from what a watch saw, how long each edit
// took to show as drift, which edits never showed, and which objects showed drift nobody caused.
import { Random } from '../../test/unit/billing/prng.ts';

/** What a console user does to a volume: grow it (kept, reported, never shrunk back) or delete it. */
export type EditKind = 'grow' | 'delete';

export interface PlannedEdit {
  /** The object's index (vol-<index>). */
  index: number;
  kind: EditKind;
  /** When to make it, ms after the edit phase begins. */
  atMs: number;
  /** For a grow: GiB added. */
  growGiB: number;
}

/**
 * `edits` distinct objects out of `count`, each edited once at a random moment of `windowMs`, grown with
 * probability `growShare` and deleted otherwise; in the order they are to be made.
 */
export function drawEdits(
  seed: number,
  count: number,
  edits: number,
  windowMs: number,
  growShare: number,
): PlannedEdit[] {
  if (edits > count) throw new RangeError(`${edits} edits need as many objects; there are ${count}`);
  const random = new Random(seed);
  // A partial Fisher-Yates shuffle: the first `edits` slots end up a uniform draw without repeats.
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < edits; i++) {
    const j = random.int(i, count - 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order
    .slice(0, edits)
    .map((index) => ({
      index,
      kind: random.chance(growShare) ? ('grow' as const) : ('delete' as const),
      atMs: random.int(0, Math.max(0, windowMs - 1)),
      growGiB: random.int(1, 20),
    }))
    .sort((a, b) => a.atMs - b.atMs);
}

/** An edit as made: when it was sent and when the simulator answered, on the monotonic clock; or why not. */
export interface MadeEdit {
  name: string;
  kind: EditKind;
  sentAt: number;
  returnedAt: number;
  refused?: string;
}

export interface Findings {
  /** ms from each edit's answer to the first sight of its drift, for edits seen in time. */
  latenciesMs: number[];
  /** Edited objects whose drift was not seen within the timeout. */
  missed: string[];
  /** Objects never edited that showed drift at some point. */
  falseFindings: string[];
  /** Edited objects that showed drift before their edit was sent: a false finding too, not timed. */
  driftBeforeEdit: string[];
}

/** When the object was first seen drifted by the detection signal, and first seen showing drift in any way. */
export interface Sightings {
  detected(name: string): number | undefined;
  shown(name: string): number | undefined;
}

/**
 * Judges a run: edits are timed by `seen.detected`, false findings found by `seen.shown` (undefined: never).
 * `names` are all the objects; `edits` those tried (a refused one is neither timed nor a false finding).
 */
export function judge(
  names: readonly string[],
  edits: readonly MadeEdit[],
  seen: Sightings,
  timeoutMs: number,
): Findings {
  const made = new Map(edits.filter((e) => !e.refused).map((e) => [e.name, e]));
  const tried = new Set(edits.map((e) => e.name));
  const out: Findings = { latenciesMs: [], missed: [], falseFindings: [], driftBeforeEdit: [] };
  for (const name of names) {
    const edit = made.get(name);
    if (!edit) {
      if (seen.shown(name) !== undefined && !tried.has(name)) out.falseFindings.push(name);
      continue;
    }
    const shown = seen.shown(name);
    const detected = seen.detected(name);
    if (shown !== undefined && shown < edit.sentAt) out.driftBeforeEdit.push(name);
    else if (detected === undefined || detected - edit.returnedAt > timeoutMs) out.missed.push(name);
    // A sighting between send and answer is the edit's own (the listing ran before the answer came back).
    else out.latenciesMs.push(Math.max(0, detected - edit.returnedAt));
  }
  return out;
}
