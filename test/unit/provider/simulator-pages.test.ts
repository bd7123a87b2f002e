// Paged listings of the simulated cloud, pure and with a controlled clock: pages by id whatever order the
// items come in, tokens that belong to one listing, limits within bounds, stability when items before the
// cursor go away; and instances journaled before security groups existed read back with none.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Journal } from '../../../controllers/provider/simulator/journal.ts';
import { pageOf } from '../../../controllers/provider/simulator/pages.ts';
import { SimulatorError } from '../../../controllers/provider/simulator/errors.ts';
import { CloudState, defaultConfig } from '../../../controllers/provider/simulator/state.ts';

const items = (...ids: string[]) => ids.map((id) => ({ id }));
const ids = (page: { items: { id: string }[] }) => page.items.map((i) => i.id);
const show = (i: { id: string }) => i;

describe('unit: simulator paged listings', () => {
  it('pages by id whatever the order of the items, with a token only while more follow', () => {
    const all = items('c', 'a', 'e', 'b', 'd');
    const first = pageOf(all, 'things', { limit: 2 }, show);
    assert.deepEqual(ids(first), ['a', 'b']);
    const second = pageOf(all, 'things', { limit: 2, pageToken: first.nextPageToken }, show);
    assert.deepEqual(ids(second), ['c', 'd']);
    const last = pageOf(all, 'things', { limit: 2, pageToken: second.nextPageToken }, show);
    assert.deepEqual([ids(last), last.nextPageToken], [['e'], undefined]);
    assert.equal(pageOf(all, 'things', { limit: 5 }, show).nextPageToken, undefined);
  });

  it('carries on after the last id seen even when items before it went away or came', () => {
    const first = pageOf(items('a', 'b', 'c', 'd'), 'things', { limit: 2 }, show);
    const next = pageOf(
      items('0', 'c', 'd', 'bb'),
      'things',
      { limit: 2, pageToken: first.nextPageToken },
      show,
    );
    assert.deepEqual(ids(next), ['bb', 'c']);
  });

  it('pages 500 by default and refuses limits outside 1 to 1000', () => {
    const many = Array.from({ length: 1200 }, (_, i) => ({ id: String(i).padStart(4, '0') }));
    assert.equal(pageOf(many, 'things', {}, show).items.length, 500);
    assert.equal(pageOf(many, 'things', { limit: 1000 }, show).items.length, 1000);
    for (const limit of [0, 1001, 0.5, Number.NaN])
      assert.throws(
        () => pageOf(many, 'things', { limit }, show),
        (e: unknown) =>
          e instanceof SimulatorError && e.status === 400 && /limit: must be a whole number/.test(e.message),
      );
  });

  it('refuses a token of another listing, or none it handed out, with a 400', () => {
    const token = pageOf(items('a', 'b'), 'instances in z1', { limit: 1 }, show).nextPageToken;
    for (const pageToken of [token, 'not-a-token', Buffer.from('[1]').toString('base64url')])
      assert.throws(
        () => pageOf(items('a'), 'instances in z2', { pageToken }, show),
        (e: unknown) => e instanceof SimulatorError && e.status === 400 && e.code === 'InvalidPageToken',
      );
  });

  it('lists what a create made only once it can be seen, as a get does', () => {
    let now = 1_000_000;
    const s = new CloudState({ ...defaultConfig, latencyMs: 100, visibilityDelayMs: 50 }, () => now);
    const op = s.createInstance({
      idempotencyToken: 't',
      region: 'eu-west-1',
      zone: 'eu-west-1a',
      hostId: 'eu-west-1a-h000',
      vcpu: 1,
      memoryMiB: 512,
      image: 'debian-12',
    });
    const listed = () => ids(s.listInstances({ region: 'eu-west-1', zone: 'eu-west-1a' }));
    now += 149;
    assert.deepEqual(listed(), []);
    assert.equal(s.getInstance(op.resourceId!), undefined);
    now += 1;
    assert.deepEqual(listed(), [op.resourceId]);
  });

  it('reads instances journaled before security groups existed back with none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnicloud-sim-'));
    try {
      const file = path.join(dir, 'state.jsonl');
      const old = {
        id: 'i-old',
        region: 'eu-west-1',
        zone: 'eu-west-1a',
        hostId: 'eu-west-1a-h000',
        state: 'running',
        vcpu: 2,
        memoryMiB: 1024,
        gpu: 0,
        image: 'debian-12',
        visibleAt: 0,
      };
      fs.writeFileSync(file, JSON.stringify({ t: 'instance', id: 'i-old', v: old }) + '\n');
      const journal = new Journal(file);
      const s = new CloudState(defaultConfig, Date.now, journal);
      s.restore(journal.load());
      journal.close();
      assert.deepEqual(s.getInstance('i-old')?.securityGroups, []);
      assert.deepEqual(ids(s.listInstances({ region: 'eu-west-1', zone: 'eu-west-1a' })), ['i-old']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
