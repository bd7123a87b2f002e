// The simulator's durable state: an append-only journal of records (one JSON line per change), replayed on
// start and compacted into a fresh journal, so a killed simulator loses nothing it acknowledged.
import fs from 'node:fs';
import path from 'node:path';

export type JournalRecord = { t: string; id: string; v: unknown };

export class Journal {
  private fd?: number;

  constructor(private readonly file: string) {}

  /** Replays the journal: the last record of each (t, id) wins; a torn last line is ignored. */
  load(): Map<string, JournalRecord> {
    const latest = new Map<string, JournalRecord>();
    if (!fs.existsSync(this.file)) return latest;
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const r = JSON.parse(line) as JournalRecord;
        latest.set(`${r.t}/${r.id}`, r);
      } catch {
        // A crash mid-write leaves at most one partial line; what it described was never acknowledged.
      }
    }
    return latest;
  }

  /** Rewrites the journal with only the current records, atomically, and opens it for appending. */
  compact(records: Iterable<JournalRecord>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, [...records].map((r) => JSON.stringify(r)).join('\n') + '\n');
    fs.renameSync(tmp, this.file);
    this.fd = fs.openSync(this.file, 'a');
  }

  append(t: string, id: string, v: unknown): void {
    if (this.fd === undefined) return;
    fs.writeSync(this.fd, JSON.stringify({ t, id, v }) + '\n');
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
