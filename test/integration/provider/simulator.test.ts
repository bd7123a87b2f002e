// The cloud simulator as its own process, driven through the operator's HTTP client: idempotent creates,
// outages, public addresses, volumes that only grow, state kept across SIGKILL, and a circuit that opens when
// the simulator is gone and fails fast. Throttling is in throttling.test.ts, against the stack's simulator.
import assert from 'node:assert/strict';
import { HttpProvider } from '../../../controllers/provider/http-client.ts';
import {
  ProviderNotFoundError,
  ProviderRequestError,
  ProviderUnavailableError,
  type CreateInstanceRequest,
  type Operation,
} from '../../../controllers/provider/types.ts';
import { eventually } from '../../support/kube.ts';
import { startOwnSimulator, type OwnSimulator } from '../../support/simulator.ts';

describe('integration: the cloud simulator process and the HTTP provider client', function () {
  this.timeout(60_000);
  let port: number;
  let sim: OwnSimulator;
  let provider: HttpProvider;
  const calls: { status: number | 'error'; correlationId: string }[] = [];

  const settled = (id: string) =>
    eventually(
      `operation ${id}`,
      async () => {
        const op = await provider.getOperation(id);
        return op.status === 'succeeded' || op.status === 'failed' ? op : undefined;
      },
      10_000,
    ) as Promise<Operation>;

  before(async () => {
    sim = await startOwnSimulator();
    port = sim.port;
    provider = new HttpProvider(`http://127.0.0.1:${port}`, {
      baseBackoffMs: 20,
      onCall: (c) => calls.push(c),
    });
  });
  after(async () => {
    if (sim) await sim.dispose();
  });

  const admin = (body: object) =>
    fetch(`http://127.0.0.1:${port}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  let instanceId: string;
  it('creates a network and an instance through asynchronous operations, once per token', async () => {
    const net = await settled(
      (await provider.createNetwork({ idempotencyToken: 'n1', region: 'eu-west-1', cidr: '10.0.0.0/16' })).id,
    );
    assert.equal(net.status, 'succeeded');
    assert.equal((await provider.getNetwork(net.resourceId!))?.cidr, '10.0.0.0/16');
    const hosts = await provider.listHosts('eu-west-1');
    const host = hosts.find((h) => h.zone === 'eu-west-1a')!;
    const req = {
      idempotencyToken: 'i1',
      region: 'eu-west-1',
      zone: 'eu-west-1a',
      hostId: host.id,
      vcpu: 2,
      memoryMiB: 2048,
      image: 'debian-12',
    };
    const [a, b] = await Promise.all([provider.createInstance(req), provider.createInstance(req)]);
    assert.equal(a.id, b.id, 'the same token gives the same operation');
    instanceId = (await settled(a.id)).resourceId!;
    assert.equal((await provider.getInstance(instanceId))?.state, 'running');
    assert.ok(
      calls.every((c) => /^[0-9a-f-]{36}$/.test(c.correlationId)),
      'every call carries a correlation id',
    );
  });

  it('reports a zone outage on the instance and refuses new work there', async () => {
    await admin({ zone: 'eu-west-1a', down: true });
    const seen = await provider.getInstance(instanceId);
    assert.deepEqual([seen?.state, seen?.message], ['failed', 'zone eu-west-1a is down']);
    const hosts = await provider.listHosts('eu-west-1');
    const op = await provider.createInstance({
      idempotencyToken: 'i2',
      region: 'eu-west-1',
      zone: 'eu-west-1a',
      hostId: hosts.find((h) => h.zone === 'eu-west-1a')!.id,
      vcpu: 1,
      memoryMiB: 512,
      image: 'x',
    });
    assert.equal(op.status, 'failed');
    assert.equal(op.error?.code, 'ZoneUnavailable');
    await admin({ zone: 'eu-west-1a', down: false });
    assert.equal((await provider.getInstance(instanceId))?.state, 'running');
  });

  it('answers bad requests with a clear 400 the client surfaces', async () => {
    await assert.rejects(
      provider.createInstance({
        idempotencyToken: '',
        region: 'eu-west-1',
        zone: 'z',
        hostId: 'h',
        vcpu: 0,
        memoryMiB: 1,
        image: 'x',
      }),
      /idempotencyToken|vcpu/,
    );
    const res = await fetch(`http://127.0.0.1:${port}/v1/instances`, { method: 'POST', body: '{not json' });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /not valid JSON/);
  });

  const adminList = async <T>(what: 'instances' | 'volumes') =>
    (await (await fetch(`http://127.0.0.1:${port}/admin/${what}`)).json()) as T[];
  const withAddress = async (token: string): Promise<CreateInstanceRequest> => ({
    idempotencyToken: token,
    region: 'eu-west-1',
    zone: 'eu-west-1b',
    hostId: (await provider.listHosts('eu-west-1')).find((h) => h.zone === 'eu-west-1b')!.id,
    vcpu: 1,
    memoryMiB: 512,
    image: 'debian-12',
    publicIp: true,
  });

  let addressedId: string;
  it('gives an instance a public address once per token, kept while stopped and released on delete', async () => {
    const req = await withAddress('p1');
    const [a, b] = await Promise.all([provider.createInstance(req), provider.createInstance(req)]);
    assert.equal(a.id, b.id);
    const first = (await settled(a.id)).resourceId!;
    const firstIp = (await provider.getInstance(first))?.publicIp;
    assert.equal(firstIp, '198.51.100.1');
    const holders = await adminList<{ publicIp?: string }>('instances');
    assert.equal(holders.filter((i) => i.publicIp === firstIp).length, 1, 'one address for one token');
    assert.equal((await settled((await provider.stopInstance(first, 'p1-stop')).id)).status, 'succeeded');
    assert.deepEqual(
      [(await provider.getInstance(first))?.state, (await provider.getInstance(first))?.publicIp],
      ['stopped', firstIp],
    );
    addressedId = (await settled((await provider.createInstance(await withAddress('p2'))).id)).resourceId!;
    assert.equal((await provider.getInstance(addressedId))?.publicIp, '198.51.100.2');
    assert.equal((await provider.getInstance(instanceId))?.publicIp, undefined, 'only when asked for');
    assert.equal((await settled((await provider.deleteInstance(first, 'p1-del')).id)).status, 'succeeded');
    assert.equal((await provider.getInstance(first))?.publicIp, undefined);
    const third = (await settled((await provider.createInstance(await withAddress('p3'))).id)).resourceId!;
    assert.equal((await provider.getInstance(third))?.publicIp, firstIp, 'reused once its holder is gone');
  });

  let volumeId: string;
  it('creates a volume once per token, grows it and deletes another, through operations', async () => {
    const req = {
      idempotencyToken: 'v1',
      region: 'eu-west-1',
      zone: 'eu-west-1b',
      type: 'ssd' as const,
      sizeGiB: 100,
    };
    const [a, b] = await Promise.all([provider.createVolume(req), provider.createVolume(req)]);
    assert.equal(a.id, b.id, 'the same token gives the same operation');
    assert.equal(a.kind, 'create-volume');
    volumeId = (await settled(a.id)).resourceId!;
    assert.deepEqual(await provider.getVolume(volumeId), {
      id: volumeId,
      region: 'eu-west-1',
      zone: 'eu-west-1b',
      type: 'ssd',
      sizeGiB: 100,
      state: 'available',
    });
    assert.equal(
      (await adminList<{ createdWith?: string }>('volumes')).filter((v) => v.createdWith === 'v1').length,
      1,
    );
    const grow = await provider.resizeVolume(volumeId, 250, 'v1-grow');
    assert.equal((await provider.resizeVolume(volumeId, 250, 'v1-grow')).id, grow.id);
    assert.equal((await settled(grow.id)).status, 'succeeded');
    assert.equal((await provider.getVolume(volumeId))?.sizeGiB, 250);

    const other = (
      await settled((await provider.createVolume({ ...req, idempotencyToken: 'v2', type: 'standard' })).id)
    ).resourceId!;
    const del = await settled((await provider.deleteVolume(other, 'v2-del')).id);
    assert.deepEqual([del.kind, del.status], ['delete-volume', 'succeeded']);
    assert.equal((await provider.getVolume(other))?.state, 'deleted');
  });

  it('refuses to shrink a volume or touch a missing one, with errors the client surfaces', async () => {
    for (const size of [250, 100])
      await assert.rejects(
        provider.resizeVolume(volumeId, size, `shrink-${size}`),
        (e: unknown) =>
          e instanceof ProviderRequestError &&
          e.status === 400 &&
          e.code === 'InvalidSize' &&
          e.message.includes(`is 250 GiB; it can only grow, and ${size} GiB is not larger`),
      );
    assert.equal(await provider.getVolume('vol-missing'), undefined);
    await assert.rejects(
      provider.resizeVolume('vol-missing', 10, 'missing'),
      (e: unknown) => e instanceof ProviderNotFoundError,
    );
    await assert.rejects(
      provider.deleteVolume('vol-missing', 'missing-del'),
      (e: unknown) => e instanceof ProviderNotFoundError,
    );
    const bad = { idempotencyToken: 'bad', region: 'eu-west-1', zone: 'eu-west-1b' };
    await assert.rejects(
      provider.createVolume({ ...bad, type: 'ssd', sizeGiB: 65537 }),
      (e: unknown) => e instanceof ProviderRequestError && e.status === 400 && /sizeGiB/.test(e.message),
    );
    await assert.rejects(
      provider.createVolume({ ...bad, type: 'nvme' as 'ssd', sizeGiB: 1 }),
      (e: unknown) => e instanceof ProviderRequestError && /type/.test(e.message),
    );
    await assert.rejects(provider.resizeVolume(volumeId, 1.5, 'fraction'), /sizeGiB/);
  });

  it('fails a volume create in a down zone, naming the zone', async () => {
    await admin({ zone: 'eu-west-1c', down: true });
    const op = await provider.createVolume({
      idempotencyToken: 'v-down',
      region: 'eu-west-1',
      zone: 'eu-west-1c',
      type: 'standard',
      sizeGiB: 10,
    });
    assert.deepEqual(
      [op.status, op.error],
      ['failed', { code: 'ZoneUnavailable', message: 'zone eu-west-1c is down' }],
    );
    await admin({ zone: 'eu-west-1c', down: false });
  });

  it('keeps its state across SIGKILL and a restart', async () => {
    await sim.stop('SIGKILL');
    await sim.restart();
    assert.equal((await provider.getInstance(instanceId))?.state, 'running');
    assert.equal((await provider.getInstance(addressedId))?.publicIp, '198.51.100.2');
    assert.deepEqual(
      [(await provider.getVolume(volumeId))?.state, (await provider.getVolume(volumeId))?.sizeGiB],
      ['available', 250],
    );
    const next = (await settled((await provider.createInstance(await withAddress('p4'))).id)).resourceId!;
    assert.equal((await provider.getInstance(next))?.publicIp, '198.51.100.3', 'held addresses stay held');
  });

  it('opens the circuit when the simulator is gone, failing fast', async () => {
    await sim.stop('SIGKILL');
    const fragile = new HttpProvider(`http://127.0.0.1:${port}`, {
      maxAttempts: 1,
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
    });
    for (let i = 0; i < 3; i++)
      await assert.rejects(fragile.describeRegions(), (e: unknown) => e instanceof ProviderUnavailableError);
    const started = Date.now();
    await assert.rejects(fragile.describeRegions(), /circuit open/);
    assert.equal(fragile.circuit, 'open');
    assert.ok(Date.now() - started < 1000);
    await sim.restart();
  });
});
