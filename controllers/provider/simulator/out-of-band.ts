// Changes made to the simulated cloud out of band, as a user of the cloud's console makes them: they take
// effect at once, with no operation and no idempotency token, and each is kept in order in the journal, so a
// test can say what was changed behind the operator's back and when.
import type { Journal } from './journal.ts';

export type OutOfBandAction =
  | 'resize-instance'
  | 'set-power'
  | 'add-rule'
  | 'remove-rule'
  | 'delete-instance'
  | 'delete-volume'
  | 'delete-network'
  | 'grow-volume'
  | 'detach-volume';

export interface OutOfBandEdit {
  /** 1 for the first edit, then one more for each. */
  seq: number;
  /** When it was made, UTC. */
  at: string;
  action: OutOfBandAction;
  /** The id of the instance, volume or network changed. */
  target: string;
  /** What changed, such as the size before and after. */
  detail?: Record<string, unknown>;
}

export const outOfBandRecord = 'out-of-band';

export class OutOfBandLog {
  private readonly edits: OutOfBandEdit[] = [];

  constructor(
    private readonly now: () => number,
    private readonly journal?: Journal,
  ) {}

  record(action: OutOfBandAction, target: string, detail?: Record<string, unknown>): OutOfBandEdit {
    const edit: OutOfBandEdit = {
      seq: this.edits.length + 1,
      at: new Date(this.now()).toISOString(),
      action,
      target,
      ...(detail ? { detail } : {}),
    };
    this.edits.push(edit);
    this.journal?.append(outOfBandRecord, String(edit.seq), edit);
    return edit;
  }

  /** Takes back the edits a journal held, in the order they were made. */
  restore(edits: OutOfBandEdit[]): void {
    this.edits.splice(0, this.edits.length, ...[...edits].sort((a, b) => a.seq - b.seq));
  }

  list(): readonly OutOfBandEdit[] {
    return this.edits;
  }
}
