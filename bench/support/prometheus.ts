// Reads the operator's /metrics text, so a benchmark can tell what changed over its run.

/** Every sample, keyed by its series as printed (name and labels). */
export function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** after - before, for each series starting with `prefix` that holds `label` (e.g. controller="compute"). */
export function delta(
  before: Map<string, number>,
  after: Map<string, number>,
  prefix: string,
  label = '',
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [series, value] of after) {
    if (!series.startsWith(prefix) || !series.includes(label)) continue;
    out.set(series, value - (before.get(series) ?? 0));
  }
  return out;
}

/**
 * The q-quantile (0-1) of a histogram's observations in `series` (from delta()), as the upper bound of the
 * bucket it falls in: Prometheus buckets hold no finer detail.
 */
export function bucketQuantile(series: Map<string, number>, name: string, q: number): number {
  const buckets = [...series]
    .filter(([s]) => s.startsWith(`${name}_bucket{`))
    .map(([s, n]) => ({ le: Number(/le="([^"]+)"/.exec(s)?.[1]), n }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  return buckets.find((b) => b.n >= q * total)?.le ?? NaN;
}
