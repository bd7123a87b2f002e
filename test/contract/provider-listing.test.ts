// Paged listings of instances and volumes per zone and of networks per region, through the operator's HTTP
// client against a simulator process of the test's own: exactly what exists there, by id, in pages of the
// limit asked for (500 by default, at most 1000); stable while things are created and deleted between pages;
// eventually consistent as gets are; and counted by the simulator once per page, so that an observer's calls
// grow with zones and pages, not with objects.
import assert from 'node:assert/strict';
import { HttpProvider } from '../../controllers/provider/http-client.ts';
import { allPages } from '../../controllers/provider/listing.ts';
import { ProviderRequestError, type InstanceInfo } from '../../controllers/provider/types.ts';
import { CloudConsole } from '../support/console.ts';
import { eventually } from '../support/kube.ts';
import { created, settled, startOwnSimulator, type OwnSimulator } from '../support/simulator.ts';

/** Runs `make` for 0..n-1, at most `width` at a time. */
async function inBatches<T>(n: number, make: (i: number) => Promise<T>, width = 25): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < n; start += width)
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(width, n - start) }, (_, k) => make(start + k)))),
    );
  return out;
}

const sorted = (ids: string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe('contract: provider paged listings', function () {
  this.timeout(120_000);
  let sim: OwnSimulator;
  let provider: HttpProvider;
  let cloud: CloudConsole;

  const launch = (token: string, zone: string, region = zone.slice(0, -1)) =>
    created(
      provider,
      provider.createInstance({
        idempotencyToken: token,
        region,
        zone,
        hostId: `${zone}-h000`,
        vcpu: 1,
        memoryMiB: 256,
        image: 'debian-12',
      }),
    );
  const faults = (body: object) =>
    fetch(`${sim.url}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const refused = (code: string, pattern: RegExp) => (e: unknown) =>
    e instanceof ProviderRequestError && e.status === 400 && e.code === code && pattern.test(e.message);

  before(async () => {
    sim = await startOwnSimulator();
    provider = new HttpProvider(sim.url, { baseBackoffMs: 20 });
    cloud = new CloudConsole(sim.url);
  });
  after(async () => {
    if (sim) await sim.dispose();
  });

  let zoneA: string[];
  it('lists exactly the live instances of one zone, by id, each as get shows it', async () => {
    zoneA = await inBatches(12, (i) => launch(`l-a-${i}`, 'eu-west-1a'));
    await inBatches(3, (i) => launch(`l-b-${i}`, 'eu-west-1b'));
    await inBatches(2, (i) => launch(`l-us-${i}`, 'us-east-1a'));
    const ended = await launch('l-a-ended', 'eu-west-1a');
    await settled(provider, (await provider.deleteInstance(ended, 'l-a-ended-delete')).id);
    const listed = await allPages((q) => provider.listInstances(q), {
      region: 'eu-west-1',
      zone: 'eu-west-1a',
    });
    assert.deepEqual(
      listed.map((i) => i.id),
      sorted(zoneA),
    );
    for (const item of listed) assert.deepEqual(item, await provider.getInstance(item.id));
  });

  it('cuts a listing into pages of the limit, the last one without a token', async () => {
    const sizes = async (limit: number) => {
      const pages: number[] = [];
      let pageToken: string | undefined;
      do {
        const page = await provider.listInstances({
          region: 'eu-west-1',
          zone: 'eu-west-1a',
          limit,
          pageToken,
        });
        pages.push(page.items.length);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return pages;
    };
    assert.deepEqual(await sizes(5), [5, 5, 2]);
    assert.deepEqual(await sizes(4), [4, 4, 4], 'no empty page after a full one');
    assert.deepEqual(await sizes(12), [12]);
    assert.deepEqual(await sizes(1000), [12]);
  });

  it('pages 500 by default and at most 1000, seeing each of 1001 volumes once', async () => {
    const query = { region: 'eu-west-1', zone: 'eu-west-1c' };
    const ids = await inBatches(1001, async (i) => {
      const op = await provider.createVolume({
        idempotencyToken: `l-vol-${i}`,
        ...query,
        type: 'standard',
        sizeGiB: 1,
      });
      return op.resourceId!;
    });
    await eventually('all 1001 volumes listed', async () =>
      (await allPages((q) => provider.listVolumes(q), query)).length === 1001 ? true : undefined,
    );
    const first = await provider.listVolumes(query);
    assert.equal(first.items.length, 500);
    assert.ok(first.nextPageToken);
    const widest = await provider.listVolumes({ ...query, limit: 1000 });
    assert.equal(widest.items.length, 1000);
    const rest = await provider.listVolumes({ ...query, limit: 1000, pageToken: widest.nextPageToken });
    assert.deepEqual([rest.items.length, rest.nextPageToken], [1, undefined]);
    const all = await allPages((q) => provider.listVolumes(q), query);
    assert.equal(new Set(all.map((v) => v.id)).size, 1001);
    assert.deepEqual(
      all.map((v) => v.id),
      sorted(ids),
    );
  });

  it('refuses a limit outside 1 to 1000 with a 400 naming it', async () => {
    const query = { region: 'eu-west-1', zone: 'eu-west-1a' };
    for (const limit of [0, 1001, 2.5, -3])
      await assert.rejects(
        provider.listInstances({ ...query, limit }),
        refused('InvalidRequest', new RegExp(`limit: must be a whole number from 1 to 1000, not ${limit}`)),
      );
    const res = await fetch(`${sim.url}/v1/volumes?region=eu-west-1&zone=eu-west-1a&limit=many`);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /limit: must be a whole number/);
  });

  it('refuses a page token it did not hand out for that listing with a 400', async () => {
    const query = { region: 'eu-west-1', zone: 'eu-west-1a', limit: 5 };
    const token = (await provider.listInstances(query)).nextPageToken!;
    const bad = refused(
      'InvalidPageToken',
      /pageToken is not one this provider handed out for .*; list again from the start/,
    );
    await assert.rejects(provider.listInstances({ ...query, pageToken: 'garbage' }), bad);
    await assert.rejects(provider.listInstances({ ...query, pageToken: `${token}x` }), bad);
    await assert.rejects(provider.listInstances({ ...query, zone: 'eu-west-1b', pageToken: token }), bad);
    await assert.rejects(provider.listVolumes({ ...query, pageToken: token }), bad);
    const forged = Buffer.from(JSON.stringify({ listing: 'instances in eu-west-1/eu-west-1a' })).toString(
      'base64url',
    );
    await assert.rejects(provider.listInstances({ ...query, pageToken: forged }), bad);
  });

  it('sees nothing twice and misses nothing that existed throughout while instances come and go between pages', async () => {
    const zone = 'us-east-1b';
    const query = { region: 'us-east-1', zone, limit: 6 };
    const initial = await inBatches(40, (i) => launch(`l-churn-${i}`, zone));
    const seen: string[] = [];
    const deleted = new Set<string>();
    const unseen = () => sorted(initial).filter((id) => !seen.includes(id) && !deleted.has(id));
    let pageToken: string | undefined;
    let round = 0;
    do {
      const page = await provider.listInstances({ ...query, pageToken });
      seen.push(...page.items.map((i) => i.id));
      pageToken = page.nextPageToken;
      round++;
      // Between pages: the last instance not seen yet is deleted from the console and the first through the
      // provider's delete; one seen already goes too; two new ones come (their ids fall before or after the
      // page's end, so they may or may not be listed).
      const [last, next] = [unseen().at(-1), unseen().at(0)];
      if (last) {
        deleted.add(last);
        await cloud.deleteInstance(last);
      }
      if (next && next !== last) {
        deleted.add(next);
        await settled(provider, (await provider.deleteInstance(next, `l-churn-del-${next}`)).id);
      }
      const old = seen.find((id) => !deleted.has(id));
      if (old) {
        deleted.add(old);
        await cloud.deleteInstance(old);
      }
      await inBatches(2, (i) => launch(`l-churn-new-${round}-${i}`, zone));
    } while (pageToken);
    assert.equal(new Set(seen).size, seen.length, `no instance seen twice: ${seen.join(' ')}`);
    const throughout = initial.filter((id) => !deleted.has(id));
    assert.deepEqual(
      throughout.filter((id) => !seen.includes(id)),
      [],
      'every instance that existed throughout was seen',
    );
    const deletedBeforeSeen = [...deleted].filter((id) => seen.indexOf(id) < 0);
    assert.ok(
      deletedBeforeSeen.length >= round,
      'the churn deleted instances before the listing reached them',
    );
    assert.ok(round >= 5, `several pages (${round})`);
  });

  it('lists a new instance only once its create has succeeded, as a get sees it', async () => {
    await faults({ slowMs: 1_500 });
    let op;
    try {
      op = await provider.createInstance({
        idempotencyToken: 'l-late',
        region: 'eu-west-1',
        zone: 'eu-west-1b',
        hostId: 'eu-west-1b-h001',
        vcpu: 1,
        memoryMiB: 256,
        image: 'debian-12',
      });
    } finally {
      await faults({ slowMs: 0 });
    }
    const ids = async () =>
      (await allPages((q) => provider.listInstances(q), { region: 'eu-west-1', zone: 'eu-west-1b' })).map(
        (i) => i.id,
      );
    assert.equal((await ids()).length, 3);
    assert.ok(!(await ids()).includes(op.resourceId!), 'not listed while its create runs');
    await settled(provider, op.id);
    assert.ok((await ids()).includes(op.resourceId!));
  });

  it('shows an outage on the listed instances of a down zone, as a get does', async () => {
    await faults({ zone: 'eu-west-1a', down: true });
    let listed: InstanceInfo[];
    try {
      listed = await allPages((q) => provider.listInstances(q), { region: 'eu-west-1', zone: 'eu-west-1a' });
    } finally {
      await faults({ zone: 'eu-west-1a', down: false });
    }
    assert.equal(listed.length, 12);
    assert.ok(listed.every((i) => i.state === 'failed' && i.message === 'zone eu-west-1a is down'));
  });

  it('refuses a region or zone it does not have, or a listing without one, with a 400', async () => {
    await assert.rejects(
      provider.listInstances({ region: 'mars-1', zone: 'mars-1a' }),
      refused('InvalidRegion', /region mars-1 does not exist; regions: eu-west-1, us-east-1/),
    );
    await assert.rejects(
      provider.listVolumes({ region: 'eu-west-1', zone: 'us-east-1a' }),
      refused(
        'InvalidZone',
        /zone us-east-1a is not in region eu-west-1; zones: eu-west-1a, eu-west-1b, eu-west-1c/,
      ),
    );
    await assert.rejects(provider.listNetworks({ region: 'mars-1' }), refused('InvalidRegion', /mars-1/));
    const res = await fetch(`${sim.url}/v1/instances?region=eu-west-1`);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /zone: required in the query string/);
  });

  it('lists the volumes of a zone with their size, type and attachment, not the deleted ones', async () => {
    const make = (token: string, sizeGiB: number) =>
      created(
        provider,
        provider.createVolume({
          idempotencyToken: token,
          region: 'us-east-1',
          zone: 'us-east-1a',
          type: 'ssd',
          sizeGiB,
        }),
      );
    const [kept, attached, gone] = await Promise.all([
      make('l-v-1', 10),
      make('l-v-2', 20),
      make('l-v-3', 30),
    ]);
    const holder = (
      await allPages((q) => provider.listInstances(q), { region: 'us-east-1', zone: 'us-east-1a' })
    )[0]!;
    await settled(provider, (await provider.attachVolume(attached, holder.id, 'l-v-2-attach')).id);
    await settled(provider, (await provider.deleteVolume(gone, 'l-v-3-delete')).id);
    const listed = await allPages((q) => provider.listVolumes(q), {
      region: 'us-east-1',
      zone: 'us-east-1a',
      limit: 1,
    });
    assert.deepEqual(
      listed,
      sorted([kept, attached]).map((id) => ({
        id,
        region: 'us-east-1',
        zone: 'us-east-1a',
        type: 'ssd',
        sizeGiB: id === kept ? 10 : 20,
        state: 'available',
        ...(id === attached ? { attachedTo: holder.id } : {}),
      })),
    );
  });

  it('lists the networks of a region in pages, not the deleted ones nor other regions', async () => {
    const make = (token: string, region: string, cidr: string) =>
      created(provider, provider.createNetwork({ idempotencyToken: token, region, cidr }));
    const nets = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => make(`l-net-${n}`, 'eu-west-1', `10.${n}.0.0/16`)),
    );
    await make('l-net-us', 'us-east-1', '10.9.0.0/16');
    await settled(provider, (await provider.deleteNetwork(nets[0]!, 'l-net-1-delete')).id);
    const first = await provider.listNetworks({ region: 'eu-west-1', limit: 2 });
    assert.equal(first.items.length, 2);
    const listed = await allPages((q) => provider.listNetworks(q), { region: 'eu-west-1', limit: 2 });
    assert.deepEqual(
      listed.map((n) => n.id),
      sorted(nets.slice(1)),
    );
    assert.ok(
      listed.every(
        (n) => n.region === 'eu-west-1' && n.state === 'available' && /^10\.\d\.0\.0\/16$/.test(n.cidr),
      ),
    );
  });

  it('counts provider calls by route, a listing once per page and admin calls not at all', async () => {
    await cloud.resetCalls();
    await allPages((q) => provider.listInstances(q), { region: 'eu-west-1', zone: 'eu-west-1a', limit: 5 });
    await provider.getInstance(zoneA[0]!);
    await provider.getInstance(zoneA[1]!);
    await cloud.edits();
    const counts = await cloud.calls();
    assert.deepEqual(counts.byRoute, { 'GET /v1/instances': 3, 'GET /v1/instances/:id': 2 });
    assert.equal(counts.total, 5);
  });

  it('lists a zone of many instances in one call per 500, however many there are', async () => {
    const zone = { region: 'eu-west-1', zone: 'eu-west-1a' };
    await cloud.resetCalls();
    await allPages((q) => provider.listInstances(q), zone);
    await inBatches(40, (i) => launch(`l-more-${i}`, 'eu-west-1a'));
    await cloud.resetCalls();
    const listed = await allPages((q) => provider.listInstances(q), zone);
    assert.equal(listed.length, 52);
    assert.deepEqual((await cloud.calls()).byRoute, { 'GET /v1/instances': 1 });
  });

  it('counts throttled calls too, and starts again from zero when reset', async () => {
    await cloud.resetCalls();
    await faults({ throttle: { probability: 1, retryAfterMs: 100 } });
    try {
      await assert.rejects(provider.listNetworks({ region: 'eu-west-1' }));
    } finally {
      await fetch(`${sim.url}/admin/faults`, { method: 'DELETE' });
    }
    assert.deepEqual((await cloud.calls()).byRoute, { 'GET /v1/networks': 1 });
    const before = await cloud.calls();
    const reset = await cloud.resetCalls();
    assert.deepEqual([reset.total, reset.byRoute], [0, {}]);
    assert.ok(reset.since >= before.since);
  });
});
