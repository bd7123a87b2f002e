// The resilience policy around every provider call, built from cockatiel: a timeout per attempt (its
// AbortSignal aborts the request itself), a circuit breaker that opens after consecutive failures and lets a
// trial through after a delay, and retries with exponential backoff and jitter outside both. Only
// ProviderUnavailableError (network errors, timeouts, 5xx) is retried or counted by the breaker: a refusal (4xx)
// would be refused again, and throttling (429) goes straight back to the caller, whose runtime requeues the key
// after the wait asked for; nothing here sleeps through it. Any other error passes through the breaker
// uncounted, except that during a half-open trial any answer that is not a failure closes the circuit.
import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker,
  handleType,
  isBrokenCircuitError,
  retry,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
  type IRetryContext,
} from 'cockatiel';
import { ProviderUnavailableError } from './types.ts';

export interface ResilienceOptions {
  /** How long one attempt may take before it is aborted (and counted as a failure). */
  timeoutMs?: number;
  /** Attempts in all for one call, the first included. */
  maxAttempts?: number;
  /** The scale of the first wait between attempts; later waits grow exponentially, with jitter. */
  baseBackoffMs?: number;
  /** The longest wait between attempts, whatever the attempt number. */
  maxBackoffMs?: number;
  breaker?: {
    /** Failed attempts in a row that open the circuit. */
    consecutiveFailures?: number;
    /** How long an open circuit fails fast before it lets one trial call through. */
    halfOpenAfterMs?: number;
  };
}

export type CircuitPosition = 'closed' | 'open' | 'half-open';

/** What one attempt is told: its number (from 1) and the signal that aborts it when its time is up. */
export interface AttemptContext {
  attempt: number;
  signal: AbortSignal;
}

export class ProviderResilience {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly policy: IPolicy<IRetryContext>;
  private readonly halfOpenAfterMs: number;
  private readonly threshold: number;
  private openedAt = 0;

  constructor(opts: ResilienceOptions = {}) {
    const transient = handleType(ProviderUnavailableError);
    this.threshold = opts.breaker?.consecutiveFailures ?? 5;
    this.halfOpenAfterMs = opts.breaker?.halfOpenAfterMs ?? 5_000;
    this.breaker = circuitBreaker(transient, {
      breaker: new ConsecutiveBreaker(this.threshold),
      halfOpenAfter: this.halfOpenAfterMs,
    });
    this.breaker.onBreak(() => (this.openedAt = Date.now()));
    const retries = retry(transient, {
      maxAttempts: Math.max(0, (opts.maxAttempts ?? 4) - 1),
      backoff: new ExponentialBackoff({
        initialDelay: opts.baseBackoffMs ?? 100,
        maxDelay: opts.maxBackoffMs ?? 2_000,
      }),
    });
    const perAttempt = timeout(opts.timeoutMs ?? 5_000, TimeoutStrategy.Cooperative);
    this.policy = wrap(retries, this.breaker, perAttempt);
  }

  /** Runs `attempt` under the policy; an open circuit fails at once with ProviderUnavailableError. */
  async run<T>(attempt: (ctx: AttemptContext) => Promise<T>): Promise<T> {
    try {
      // A signal of the call's own: without one, cockatiel hangs every call's abort listener on one shared
      // signal, and more than ten calls at once draw Node's listener-leak warning.
      return await this.policy.execute(
        (ctx) => attempt({ attempt: ctx.attempt + 1, signal: ctx.signal }),
        new AbortController().signal,
      );
    } catch (err) {
      if (!isBrokenCircuitError(err)) throw err;
      const last = this.breaker.lastFailure;
      const cause = last && 'error' in last ? ` (last: ${last.error.message})` : '';
      throw new ProviderUnavailableError(
        `circuit open after ${this.threshold} failures in a row${cause}; next try in ${Math.max(1, Math.ceil(this.retryInMs() / 1000))}s`,
      );
    }
  }

  /** Where the circuit stands; an open circuit whose delay has passed half-opens on its next call. */
  get circuit(): CircuitPosition {
    const state = this.breaker.state;
    if (state === CircuitState.Closed) return 'closed';
    return state === CircuitState.HalfOpen ? 'half-open' : 'open';
  }

  private retryInMs(): number {
    return Math.max(0, this.openedAt + this.halfOpenAfterMs - Date.now());
  }
}
