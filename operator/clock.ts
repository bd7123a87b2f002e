// Time as the runtime sees it; tests pass their own. `now` is the wall clock (UTC epoch ms), for timestamps
// that people and other systems read; `monotonic` only moves forward at a steady rate and is what every
// "has this much time passed" decision uses, because the wall clock can be skewed or stepped.
import { performance } from 'node:perf_hooks';

export interface Clock {
  now(): number;
  /** Milliseconds from an arbitrary origin; comparable only with other readings of the same clock. */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
