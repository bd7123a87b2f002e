// When a ManagedSecret's value is rotated: its period read strictly ("24h", never "1h30m" or "1.5h"), the next
// rotation after the last one, and whether a rotation is due now, by schedule or by a new
// omnicloud.io/rotate-at value. Pure; time is UTC and comes from the caller.

const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const minPeriodMs = 10_000;
export const maxPeriodMs = 366 * 86_400_000;

/** The period in milliseconds, or why it is not one. */
export function parsePeriod(text: string): { ms: number } | { problem: string } {
  const m = /^([1-9][0-9]{0,5})([smhd])$/.exec(text);
  const accepted = 'a whole number followed by one unit among s, m, h and d, such as 30m, 24h or 7d';
  if (!m) return { problem: `"${text.slice(0, 32)}" is not a period: ${accepted}` };
  const ms = Number(m[1]) * unitMs[m[2] as keyof typeof unitMs];
  if (ms < minPeriodMs || ms > maxPeriodMs) return { problem: `${text} is outside 10s to 366d` };
  return { ms };
}

/** The next scheduled rotation after a version written at `from`, or null without a valid schedule. */
export function nextRotation(every: string | undefined, from: Date): Date | null {
  if (!every) return null;
  const period = parsePeriod(every);
  return 'ms' in period ? new Date(from.getTime() + period.ms) : null;
}

export interface RotationState {
  /** The next scheduled rotation, recorded with the last write. */
  nextRotationAt: Date | null;
  /** The rotate-at value the last rotation answered. */
  answeredRequest: string | null;
}

/** Why a rotation is due now ('schedule' or 'request'), or undefined when it is not. */
export function rotationDue(
  state: RotationState,
  request: string | undefined,
  now: Date,
): 'schedule' | 'request' | undefined {
  if (request !== undefined && request !== '' && request !== state.answeredRequest) return 'request';
  if (state.nextRotationAt && state.nextRotationAt.getTime() <= now.getTime()) return 'schedule';
  return undefined;
}

/** Milliseconds until the next scheduled rotation (0 when due), or undefined without one. */
export function untilRotation(nextRotationAt: Date | null, now: Date): number | undefined {
  if (!nextRotationAt) return undefined;
  return Math.max(0, nextRotationAt.getTime() - now.getTime());
}
