// How long a throttled provider asks us to wait, read from its answer's headers: `retry-after-ms` (milliseconds,
// for clients that want precision) first, then the standard `Retry-After` (delay-seconds or an HTTP-date). The
// wait is bounded so that a missing, garbled or extreme value neither spins a key in a loop nor parks it for
// hours. Pure: the clock is passed in.

/** When the provider says nothing usable. */
export const defaultRetryAfterMs = 1_000;
/** A floor: "now", or a date already past by clock skew, still waits a little instead of hammering. */
export const minRetryAfterMs = 100;
/** A ceiling: the provider's quota window, not a reason to forget a resource for hours. */
export const maxRetryAfterMs = 5 * 60_000;

const clamp = (ms: number) => Math.min(maxRetryAfterMs, Math.max(minRetryAfterMs, Math.round(ms)));
const decimal = /^\d+(\.\d+)?$/;

export function retryAfterMs(headers: Headers, now: number): number {
  const precise = headers.get('retry-after-ms')?.trim();
  if (precise && decimal.test(precise)) return clamp(Number(precise));
  const standard = headers.get('retry-after')?.trim();
  if (!standard) return defaultRetryAfterMs;
  if (decimal.test(standard)) return clamp(Number(standard) * 1000);
  // An HTTP-date always names a day and a month; requiring a letter keeps Date.parse from reading "1 2" as one.
  const at = /[a-z]/i.test(standard) ? Date.parse(standard) : NaN;
  return Number.isFinite(at) ? clamp(at - now) : defaultRetryAfterMs;
}
