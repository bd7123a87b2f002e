// Reading a whole paged listing of the provider: page after page until it says no more follow, so an
// observer sees every instance or volume of a zone with a call per page instead of one per object.
import type { Page, PageQuery } from './types.ts';

/** Every item of the listing `list` answers for `query`, in the provider's order (by id). */
export async function allPages<Q extends PageQuery, T>(
  list: (query: Q) => Promise<Page<T>>,
  query: Q,
): Promise<T[]> {
  const items: T[] = [];
  let pageToken: string | undefined;
  do {
    const page = await list({ ...query, pageToken });
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return items;
}
