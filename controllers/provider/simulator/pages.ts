// Paged listings: items ordered by id, each page after the last id of the one before. The token carries that
// id and what was listed, so paging stays stable while items come and go between pages (nothing is seen
// twice; nothing that existed throughout is missed), and a token is never taken for another listing. Pure.
import { z } from 'zod';
import type { Page } from '../types.ts';
import { SimulatorError } from './errors.ts';

export const defaultPageLimit = 500;
export const maxPageLimit = 1000;

/** What a page token holds: the listing it belongs to, and the last id already handed out. */
const cursorSchema = z.object({ listing: z.string(), after: z.string().min(1) });

function encode(listing: string, after: string): string {
  return Buffer.from(JSON.stringify({ listing, after })).toString('base64url');
}

/** The id after which the page starts, or a 400 when the token is not one this listing handed out. */
function startAfter(listing: string, token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const cursor = cursorSchema.safeParse(decoded);
  if (!cursor.success || cursor.data.listing !== listing)
    throw new SimulatorError(
      400,
      'InvalidPageToken',
      `pageToken is not one this provider handed out for ${listing}; list again from the start without it`,
    );
  return cursor.data.after;
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return defaultPageLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageLimit)
    throw new SimulatorError(
      400,
      'InvalidRequest',
      `limit: must be a whole number from 1 to ${maxPageLimit}, not ${limit}`,
    );
  return limit;
}

/**
 * One page of `items` (in any order) for the listing named `listing`, such as `instances in eu-west-1a`:
 * the items after the token's id, by id, at most `limit` of them, each shown by `show`.
 */
export function pageOf<R extends { id: string }, T>(
  items: Iterable<R>,
  listing: string,
  query: { pageToken?: string; limit?: number },
  show: (item: R) => T,
): Page<T> {
  const limit = pageLimit(query.limit);
  const after = startAfter(listing, query.pageToken);
  const rest = [...items]
    .filter((i) => after === undefined || i.id > after)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(show),
    ...(rest.length > limit && last ? { nextPageToken: encode(listing, last.id) } : {}),
  };
}
