// Feature flag evaluation: whether a flag is on for a subject (a user, a tenant, a host: any stable key).
// Pure and deterministic: the same flag and subject always give the same answer, on every replica and in
// every consumer that implements the same rule.
//
// The rule, in order: a disabled flag is off for everyone (a kill switch); a denied subject is off; an
// allowed subject is on; with no rollout the flag is on for everyone; otherwise it is on when the subject's
// bucket, sha256(salt + ':' + subject) read as a fraction of 2^64 from its first 8 bytes, is below
// rollout / 100. The salt is the flag's name unless the flag gives one, so two flags sample independent sets
// of subjects, and changing a salt reshuffles who is in a rollout.
import { createHash } from 'node:crypto';
import type { Flag } from '../../crds/schemas/config-set.ts';

export interface NamedFlag extends Flag {
  name: string;
}

/** The subject's place in [0, 1) for this flag, stable across processes and versions. */
export function bucketOf(flag: Pick<NamedFlag, 'name' | 'salt'>, subject: string): number {
  const digest = createHash('sha256')
    .update(`${flag.salt ?? flag.name}:${subject}`)
    .digest();
  // 53 of the first 64 bits: exactly representable, uniform in [0, 1).
  return Number(digest.readBigUInt64BE(0) >> 11n) / 2 ** 53;
}

export function evaluate(flag: NamedFlag, subject: string): boolean {
  if (flag.enabled === false) return false;
  if (flag.deny?.includes(subject)) return false;
  if (flag.allow?.includes(subject)) return true;
  if (flag.rollout === undefined) return true;
  return bucketOf(flag, subject) < flag.rollout / 100;
}
