// Attaching volumes to instances, through the operator's HTTP client against a simulator process of the
// test's own: one instance of the volume's own zone at a time (a 400 across zones, a 409 while another holds
// it), detached on request, when its instance is deleted and when it is deleted itself.
import assert from 'node:assert/strict';
import { HttpProvider } from '../../controllers/provider/http-client.ts';
import { ProviderNotFoundError, ProviderRequestError } from '../../controllers/provider/types.ts';
import { created, settled, startOwnSimulator, type OwnSimulator } from '../support/simulator.ts';

describe('contract: provider volume attachment', function () {
  this.timeout(60_000);
  let sim: OwnSimulator;
  let provider: HttpProvider;

  const launch = (token: string, zone = 'eu-west-1a') =>
    created(
      provider,
      provider.createInstance({
        idempotencyToken: token,
        region: 'eu-west-1',
        zone,
        hostId: `${zone}-h000`,
        vcpu: 1,
        memoryMiB: 512,
        image: 'debian-12',
      }),
    );
  const volume = (token: string, zone = 'eu-west-1a') =>
    created(
      provider,
      provider.createVolume({ idempotencyToken: token, region: 'eu-west-1', zone, type: 'ssd', sizeGiB: 20 }),
    );
  const attachedTo = async (id: string) => (await provider.getVolume(id))?.attachedTo;
  const faults = (body: object) =>
    fetch(`${sim.url}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const refused = (status: number, code: string, pattern: RegExp) => (e: unknown) =>
    e instanceof ProviderRequestError && e.status === status && e.code === code && pattern.test(e.message);

  before(async () => {
    sim = await startOwnSimulator();
    provider = new HttpProvider(sim.url, { baseBackoffMs: 20 });
  });
  after(async () => {
    if (sim) await sim.dispose();
  });

  let a: string;
  let b: string;
  let vol: string;
  it('attaches a volume to an instance of its zone when the operation succeeds, once per token', async () => {
    [a, b, vol] = await Promise.all([launch('at-a'), launch('at-b'), volume('at-v')]);
    assert.equal(await attachedTo(vol), undefined, 'a new volume is attached to nothing');
    const op = await provider.attachVolume(vol, a, 'at-v-a');
    assert.equal((await provider.attachVolume(vol, a, 'at-v-a')).id, op.id);
    assert.deepEqual([op.kind, op.resourceId], ['attach-volume', vol]);
    assert.equal((await settled(provider, op.id)).status, 'succeeded');
    assert.equal(await attachedTo(vol), a);
  });

  it('accepts attaching a volume again to the instance that holds it', async () => {
    assert.equal(
      (await settled(provider, (await provider.attachVolume(vol, a, 'at-v-a-again')).id)).status,
      'succeeded',
    );
    assert.equal(await attachedTo(vol), a);
  });

  it('refuses (409) to attach a volume another instance holds, naming the holder', async () => {
    await assert.rejects(
      provider.attachVolume(vol, b, 'at-v-b'),
      refused(409, 'VolumeInUse', new RegExp(`volume ${vol} is attached to instance ${a}; detach it first`)),
    );
  });

  it('refuses (409) to attach a volume whose attach to another instance is still under way', async () => {
    const other = await volume('at-w');
    await faults({ slowMs: 1_500 });
    try {
      await provider.attachVolume(other, a, 'at-w-a');
    } finally {
      await faults({ slowMs: 0 });
    }
    await assert.rejects(
      provider.attachVolume(other, b, 'at-w-b'),
      refused(409, 'VolumeInUse', /detach it first/),
    );
  });

  it('refuses (400) to attach across zones, naming both zones', async () => {
    const far = await launch('at-far', 'eu-west-1b');
    await assert.rejects(
      provider.attachVolume(vol, far, 'at-v-far'),
      refused(
        400,
        'ZoneMismatch',
        new RegExp(
          `volume ${vol} is in eu-west-1a and instance ${far} in eu-west-1b; a volume attaches only to an instance of its own zone`,
        ),
      ),
    );
  });

  it('detaches when the operation succeeds, after which another instance may attach it', async () => {
    const op = await provider.detachVolume(vol, 'at-v-detach');
    assert.equal(op.kind, 'detach-volume');
    assert.equal((await settled(provider, op.id)).status, 'succeeded');
    assert.equal(await attachedTo(vol), undefined);
    assert.equal(
      (await settled(provider, (await provider.attachVolume(vol, b, 'at-v-b-2')).id)).status,
      'succeeded',
    );
    assert.equal(await attachedTo(vol), b);
  });

  it('accepts detaching a volume that is attached to nothing, changing nothing', async () => {
    const loose = await volume('at-loose');
    assert.equal(
      (await settled(provider, (await provider.detachVolume(loose, 'at-loose-detach')).id)).status,
      'succeeded',
    );
    assert.equal(await attachedTo(loose), undefined);
  });

  it('detaches the volumes of an instance that is deleted', async () => {
    await settled(provider, (await provider.deleteInstance(b, 'at-b-delete')).id);
    assert.equal(await attachedTo(vol), undefined);
    await assert.rejects(provider.attachVolume(vol, b, 'at-v-b-gone'), ProviderNotFoundError);
  });

  it('detaches a volume that is deleted while attached', async () => {
    const held = await volume('at-held');
    await settled(provider, (await provider.attachVolume(held, a, 'at-held-a')).id);
    await settled(provider, (await provider.deleteVolume(held, 'at-held-delete')).id);
    const seen = await provider.getVolume(held);
    assert.deepEqual([seen?.state, seen?.attachedTo], ['deleted', undefined]);
    await assert.rejects(provider.attachVolume(held, a, 'at-held-again'), ProviderNotFoundError);
  });

  it('answers 404 for a volume or an instance it does not have', async () => {
    await assert.rejects(
      provider.attachVolume('vol-missing', a, 'at-missing-vol'),
      (e: unknown) =>
        e instanceof ProviderNotFoundError && /volume vol-missing does not exist/.test(e.message),
    );
    await assert.rejects(
      provider.attachVolume(vol, 'i-missing', 'at-missing-inst'),
      (e: unknown) =>
        e instanceof ProviderNotFoundError && /instance i-missing does not exist/.test(e.message),
    );
    await assert.rejects(provider.detachVolume('vol-missing', 'at-missing-detach'), ProviderNotFoundError);
  });

  it('fails an attach in a down zone with a failed operation naming the zone', async () => {
    await faults({ zone: 'eu-west-1a', down: true });
    try {
      const op = await provider.attachVolume(vol, a, 'at-down');
      assert.deepEqual(
        [op.status, op.error],
        ['failed', { code: 'ZoneUnavailable', message: 'zone eu-west-1a is down' }],
      );
    } finally {
      await faults({ zone: 'eu-west-1a', down: false });
    }
    assert.equal(await attachedTo(vol), undefined);
  });
});
