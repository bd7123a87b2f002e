// Volumes made at the provider for a benchmark to adopt: created through the provider API, several calls in
// flight, with idempotency tokens of the run's own; waited for until every zone's listing shows them (an
// adoption of a volume the provider does not show yet is refused for good); and swept at the end, so a run cut
// short leaves no volume of its own at the provider.
import type { HttpProvider } from '../../controllers/provider/http-client.ts';
import { allPages } from '../../controllers/provider/listing.ts';
import { inFlight } from './in-flight.ts';

export interface Place {
  region: string;
  zone: string;
}

/** The provider's zones that are up, region by region; the first `limit` of them (all for 0). */
export async function zonesUp(provider: HttpProvider, limit: number): Promise<Place[]> {
  const regions = await provider.describeRegions();
  const all = regions.flatMap((r) =>
    r.zones.filter((z) => z.status === 'up').map((z) => ({ region: r.name, zone: z.name })),
  );
  return limit > 0 ? all.slice(0, limit) : all;
}

/** Volume i's zone: round robin over `zones`. */
export const placeOf = (zones: readonly Place[], i: number): Place => zones[i % zones.length]!;

/**
 * Creates `count` volumes of `sizeGiB` GiB, type standard, volume i in placeOf(zones, i) with the token
 * `${tokenPrefix}-${i}`, and returns once every one is listed; ids[i] is volume i's provider id.
 */
export async function createListedVolumes(
  provider: HttpProvider,
  opts: { tokenPrefix: string; zones: readonly Place[]; count: number; concurrency: number; sizeGiB: number },
  log: (msg: string) => void,
): Promise<{ ids: string[]; ms: number }> {
  const ids: string[] = new Array<string>(opts.count);
  const start = performance.now();
  await inFlight(opts.count, opts.concurrency, async (i) => {
    const op = await provider.createVolume({
      idempotencyToken: `${opts.tokenPrefix}-${i}`,
      ...placeOf(opts.zones, i),
      type: 'standard',
      sizeGiB: opts.sizeGiB,
    });
    if (op.status === 'failed' || !op.resourceId)
      throw new Error(`the provider refused volume ${i}: ${op.error?.message ?? 'no resource id'}`);
    ids[i] = op.resourceId;
  });
  log(`${opts.count} volumes asked of the provider in ${Math.round(performance.now() - start)} ms`);
  const wanted = new Set(ids);
  const deadline = Date.now() + 60_000;
  for (;;) {
    let listed = 0;
    for (const place of opts.zones) {
      const items = await allPages((q) => provider.listVolumes(q), place);
      listed += items.filter((v) => wanted.has(v.id)).length;
    }
    if (listed === opts.count) break;
    if (Date.now() > deadline)
      throw new Error(`only ${listed} of the ${opts.count} volumes created are listed after 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return { ids, ms: performance.now() - start };
}

interface StoredVolume {
  id: string;
  state: string;
  createdWith?: string;
}

/**
 * Deletes through the provider API every volume the simulator still holds that `ours` claims (by id or by the
 * token that created it); returns how many it deleted.
 */
export async function sweepVolumes(
  provider: HttpProvider,
  simulatorUrl: string,
  ours: (v: StoredVolume) => boolean,
): Promise<number> {
  const res = await fetch(`${simulatorUrl}/admin/volumes`, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`GET /admin/volumes: HTTP ${res.status}`);
  const left = ((await res.json()) as StoredVolume[]).filter((v) => v.state !== 'deleted' && ours(v));
  await inFlight(left.length, 16, (i) => provider.deleteVolume(left[i]!.id, `${left[i]!.id}:bench-sweep`));
  return left.length;
}
