// Small rules shared by the admission webhooks of several kinds.
import type { z } from 'zod';
import type { Problem } from './review.ts';

export function schemaProblems(error: z.ZodError, root = 'spec'): Problem[] {
  return error.issues
    .slice(0, 10)
    .map((issue) => ({ field: [root, ...issue.path.map(String)].join('.'), message: issue.message }));
}

/** Zones are named after their region (eu-west-1a in eu-west-1), as the providers OmniCloud drives name them. */
export function zoneProblem(region: string, zone: string, field: string): Problem | undefined {
  if (zone.startsWith(region) && zone.length > region.length) return undefined;
  return {
    field,
    message: `zone ${zone} is not in region ${region}; zones of ${region} are named ${region}a, ${region}b and so on`,
  };
}
