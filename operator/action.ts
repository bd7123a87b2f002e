// What a reconcile returns, and how its errors are classified.

export type Action = { requeueAfterMs?: number };

export const done: Action = {};
export function requeueAfter(ms: number): Action {
  return { requeueAfterMs: ms };
}

/** An error that retrying cannot fix (bad spec, refused by policy): shown as a condition, not retried. */
export class TerminalError extends Error {
  constructor(
    message: string,
    readonly reason = 'InvalidSpec',
  ) {
    super(message);
    this.name = 'TerminalError';
  }
}

export function errorClass(err: unknown): 'terminal' | 'conflict' | 'transient' {
  if (err instanceof TerminalError) return 'terminal';
  const code =
    typeof err === 'object' && err !== null && 'code' in err ? Number((err as { code: unknown }).code) : 0;
  return code === 409 ? 'conflict' : 'transient';
}
