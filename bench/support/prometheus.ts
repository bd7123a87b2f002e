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
