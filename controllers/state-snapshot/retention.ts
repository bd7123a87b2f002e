// When to take the next scheduled snapshot and which snapshots to remove. Pure.

/** A duration such as 90s, 30m or 24h (the API server's CEL reads the same form), in ms; else undefined. */
export function durationMs(text: string): number | undefined {
  const m = /^(\d{1,6})(s|m|h)$/.exec(text);
  if (!m) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

/** Milliseconds until the next snapshot is due (0: now), from when the last one was taken. */
export function dueInMs(lastTakenAt: Date | undefined, everyMs: number, now: Date): number {
  if (!lastTakenAt) return 0;
  return Math.max(0, lastTakenAt.getTime() + everyMs - now.getTime());
}

/** The ids to remove so that the `keep` newest stay (ids sort by the time they were taken). */
export function toPrune(ids: readonly string[], keep: number): string[] {
  const newestFirst = [...ids].sort().reverse();
  return newestFirst.slice(Math.max(0, keep));
}

/**
 * Data objects with no marker, older than `graceMs`: left by a writer that died before its marker. The grace
 * keeps a snapshot being written now (its data is there, its marker not yet) from being taken for one.
 */
export function orphanedData(
  data: readonly { id: string; lastModified: Date }[],
  markedIds: ReadonlySet<string>,
  now: Date,
  graceMs: number,
): string[] {
  return data
    .filter((d) => !markedIds.has(d.id) && now.getTime() - d.lastModified.getTime() > graceMs)
    .map((d) => d.id);
}
