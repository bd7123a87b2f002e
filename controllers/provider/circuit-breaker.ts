// A circuit breaker: after `threshold` failures in a row it opens and fails calls at once for `coolDownMs`,
// then lets one trial call through (half-open); success closes it, failure opens it again. Pure, clock injected.

export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private state: CircuitState = 'closed';

  constructor(
    private readonly threshold = 5,
    private readonly coolDownMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a call may go out now; in half-open only one trial at a time. */
  allow(): boolean {
    if (this.state === 'open' && this.now() - this.openedAt >= this.coolDownMs) this.state = 'half-open';
    if (this.state === 'closed') return true;
    if (this.state === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return true;
    }
    return false;
  }

  succeeded(): void {
    this.failures = 0;
    this.trialInFlight = false;
    this.state = 'closed';
  }

  failed(): void {
    this.failures++;
    this.trialInFlight = false;
    if (this.state === 'half-open' || this.failures >= this.threshold) {
      this.state = 'open';
      this.openedAt = this.now();
    }
  }

  get current(): CircuitState {
    if (this.state === 'open' && this.now() - this.openedAt >= this.coolDownMs) return 'half-open';
    return this.state;
  }

  /** Milliseconds until a trial call is allowed (0 when calls may go out). */
  retryInMs(): number {
    return this.state === 'open' ? Math.max(0, this.coolDownMs - (this.now() - this.openedAt)) : 0;
  }
}
