// The hash chain of the audit log, pure: each entry's hash covers the previous hash and the event in a
// canonical form (keys sorted), so the same event always hashes the same whatever order its keys came in.
import { createHash } from 'node:crypto';

export const genesisHash = '0'.repeat(64);

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function chainHash(prevHash: string, seq: number, event: unknown): string {
  return createHash('sha256')
    .update(`${prevHash}\n${seq}\n${canonicalJson(event)}`)
    .digest('hex');
}

export interface ChainEntry {
  seq: number;
  prevHash: string;
  hash: string;
  event: unknown;
}

export type ChainVerdict =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; brokenAt: number; problem: string };

/** Checks entries in seq order: no gaps, each prev_hash is the previous hash, each hash recomputes. */
export function verifyEntries(
  entries: Iterable<ChainEntry>,
  start = { seq: 0, hash: genesisHash },
): ChainVerdict {
  let prev = start;
  let count = 0;
  for (const e of entries) {
    count++;
    if (e.seq !== prev.seq + 1)
      return {
        ok: false,
        entries: count,
        brokenAt: e.seq,
        problem: `expected entry ${prev.seq + 1}, found ${e.seq}`,
      };
    if (e.prevHash !== prev.hash)
      return {
        ok: false,
        entries: count,
        brokenAt: e.seq,
        problem: 'prev_hash does not match the previous entry',
      };
    if (chainHash(e.prevHash, e.seq, e.event) !== e.hash) {
      return {
        ok: false,
        entries: count,
        brokenAt: e.seq,
        problem: 'the event does not match its hash (changed after it was recorded)',
      };
    }
    prev = { seq: e.seq, hash: e.hash };
  }
  return { ok: true, entries: count, head: prev.hash };
}
