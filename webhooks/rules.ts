// Small rules shared by the admission webhooks of several kinds.
import type { z } from 'zod';
import type { Problem } from './review.ts';

/** A path into an object as the API server and the other rules write it: spec.subnets[0].prefixLength. */
export function fieldPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (at, key) => (typeof key === 'number' ? `${at}[${key}]` : `${at}.${String(key)}`),
    root,
  );
}

export function schemaProblems(error: z.ZodError, root = 'spec'): Problem[] {
  return error.issues
    .slice(0, 10)
    .map((issue) => ({ field: fieldPath(root, issue.path), message: issue.message }));
}

/** Zones are named after their region (eu-west-1a in eu-west-1), as the providers OmniCloud drives name them. */
export function zoneProblem(region: string, zone: string, field: string): Problem | undefined {
  if (zone.startsWith(region) && zone.length > region.length) return undefined;
  return {
    field,
    message: `zone ${zone} is not in region ${region}; zones of ${region} are named ${region}a, ${region}b and so on`,
  };
}
