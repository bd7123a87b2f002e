// Field paths of drift records and the patterns that rules are registered under. While comparing, a path is a
// list of segments (a field name or a list index); a record carries it rendered once, as status shows it:
// `network.subnets[0].cidr`, `labels[app.kubernetes.io/name]`, and `$` for the whole resource.

/** A field name, or the index of an item in a list. */
export type Segment = string | number;

/** The path of a record about the whole resource. */
export const rootPath = '$';

const fieldName = /^[A-Za-z][A-Za-z0-9]*$/;
// What driftPathSchema takes between brackets; any other key is quoted so that it still reads back unambiguously.
const bracketName = /^[^\]\s"]{1,63}$/;

export function renderPath(segments: readonly Segment[]): string {
  if (segments.length === 0) return rootPath;
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (fieldName.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += bracketName.test(segment) ? `[${segment}]` : `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Path order for humans and for a stable output: list indexes by number (`[2]` before `[10]`), the rest by text. */
export function comparePaths(a: string, b: string): number {
  const left = a.split(/(\d+)/);
  const right = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const l = left[i]!;
    const r = right[i]!;
    if (l === r) continue;
    // split() with a capture group puts the digit runs at odd positions.
    if (i % 2 === 1) return Number(l) - Number(r) || (l < r ? -1 : 1);
    return l < r ? -1 : 1;
  }
  return left.length - right.length;
}

/** `prefix` names `path` or a field above it: `a` covers `a`, `a.b` and `a[0]`, never `ab`. */
export function pathCovers(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** One step of a pattern: a field name or index as written, or `[]` for any index (or any key of a map). */
export type PatternSegment = { any: true } | { name: string };
export type Pattern = readonly PatternSegment[];

/** Parses `securityGroups[].ingress`, `network.subnets[0].cidr`, `labels[app.kubernetes.io/name]`. */
export function parsePattern(pattern: string): Pattern {
  const out: PatternSegment[] = [];
  const step = /\[([^\]]*)\]|(?:^|\.)([^.[\]]+)/y;
  while (step.lastIndex < pattern.length) {
    const at = step.lastIndex;
    const match = step.exec(pattern);
    if (!match) throw new Error(`drift rule pattern "${pattern}" cannot be read at character ${at}`);
    const inBrackets = match[1];
    if (inBrackets === undefined) out.push({ name: match[2]! });
    else if (inBrackets === '') out.push({ any: true });
    else out.push({ name: inBrackets.startsWith('"') ? (JSON.parse(inBrackets) as string) : inBrackets });
  }
  if (out.length === 0) throw new Error('a drift rule pattern names at least one field');
  return out;
}

function stepMatches(step: PatternSegment, segment: Segment): boolean {
  return 'any' in step || step.name === String(segment);
}

/** The pattern names exactly this path. */
export function matchesPath(pattern: Pattern, segments: readonly Segment[]): boolean {
  return pattern.length === segments.length && pattern.every((step, i) => stepMatches(step, segments[i]!));
}

/** The pattern names this path or one of the fields it lies under. */
export function coversPath(pattern: Pattern, segments: readonly Segment[]): boolean {
  return pattern.length <= segments.length && pattern.every((step, i) => stepMatches(step, segments[i]!));
}

/** Some field on the path is named one of these. */
export function passesThrough(segments: readonly Segment[], names: ReadonlySet<string>): boolean {
  return segments.some((segment) => typeof segment === 'string' && names.has(segment));
}
