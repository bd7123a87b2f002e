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

/**
 * How long the other side asked us to wait (an error carrying `retryAfterMs`, such as a throttled provider
 * call): the key is requeued after that, instead of with its own backoff, and no worker sleeps through it.
 */
export function retryAfterOf(err: unknown): number | undefined {
  const ms = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 600_000) : undefined;
}

export function errorClass(err: unknown): 'terminal' | 'conflict' | 'throttled' | 'transient' {
  if (err instanceof TerminalError) return 'terminal';
  if (retryAfterOf(err) !== undefined) return 'throttled';
  const code =
    typeof err === 'object' && err !== null && 'code' in err ? Number((err as { code: unknown }).code) : 0;
  return code === 409 ? 'conflict' : 'transient';
}
