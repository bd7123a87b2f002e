// A spec a controller will not act on, as every kind shows it: Ready=False, reason InvalidSpec, one message
// naming each field and what is accepted, told once. The rules are the admission webhooks' own
// (webhooks/*.ts), applied by the controllers too: objects reach them without the webhooks (not installed,
// or admitted before them), and acting on such a spec would build the wrong thing or quietly skip a change.
import { findCondition, type Condition } from '../operator/conditions.ts';
import type { Problem } from '../webhooks/review.ts';
import { describeProblems } from './compute/spec-rules.ts';

export const invalidSpecReason = 'InvalidSpec';

export interface InvalidSpec {
  reason: typeof invalidSpecReason;
  message: string;
}

/** The problems as one InvalidSpec, or undefined when there are none. */
export function invalidSpec(problems: readonly Problem[]): InvalidSpec | undefined {
  if (problems.length === 0) return undefined;
  return { reason: invalidSpecReason, message: describeProblems(problems) };
}

/**
 * True when the object already shows `problem` on Ready: a resync that finds it there tells nobody again,
 * so one bad spec makes one event, not one per resync.
 */
export function alreadyShown(
  status: { conditions?: readonly Condition[] } | undefined,
  problem: { reason: string; message: string },
): boolean {
  const ready = findCondition(status?.conditions, 'Ready');
  return ready?.status === 'False' && ready.reason === problem.reason && ready.message === problem.message;
}
