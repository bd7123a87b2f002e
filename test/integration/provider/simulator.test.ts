// The cloud simulator as its own process, driven through the operator's HTTP client: idempotent creates,
// outages, throttling absorbed by retries, state kept across SIGKILL, and a circuit that opens when the
// simulator is gone and fails fast.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CircuitBreaker } from '../../../controllers/provider/circuit-breaker.ts';
import { HttpProvider } from '../../../controllers/provider/http-client.ts';
import {
  ProviderThrottledError,
  ProviderUnavailableError,
  type Operation,
} from '../../../controllers/provider/types.ts';
import { eventually } from '../../support/kube.ts';
import { freePort } from '../../support/operator.ts';

async function startSimulator(port: number, stateFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'controllers/provider/simulator/main.ts'], {
    env: {
      ...process.env,
      OMNICLOUD_SIM_PORT: String(port),
      OMNICLOUD_SIM_STATE: stateFile,
      OMNICLOUD_SIM_LATENCY_MS: '50',
      OMNICLOUD_SIM_VISIBILITY_DELAY_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening on') && resolve());
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return child;
}

const stop = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once('exit', () => r());
    child.kill(signal);
  });

describe('integration: the cloud simulator process and the HTTP provider client', function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnicloud-sim-'));
  const stateFile = path.join(dir, 'state.jsonl');
  let port: number;
  let sim: ChildProcess;
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
    port = await freePort();
    sim = await startSimulator(port, stateFile);
    provider = new HttpProvider(`http://127.0.0.1:${port}`, {
      baseBackoffMs: 20,
      onCall: (c) => calls.push(c),
    });
  });
  after(async () => {
    if (sim) await stop(sim, 'SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
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

  it('retries through throttling, and reports it once retries run out', async () => {
    await admin({ throttle: { probability: 0.5, retryAfterMs: 10 } });
    const seen: (number | 'error')[] = [];
    const patient = new HttpProvider(`http://127.0.0.1:${port}`, {
      maxAttempts: 40,
      baseBackoffMs: 10,
      maxBackoffMs: 20,
      onCall: (c) => seen.push(c.status),
    });
    // Half the requests are throttled: 40 calls all passing untouched happens once in 10^12 runs, and a call
    // throttled 40 times in a row once in 10^12 calls.
    for (let i = 0; i < 40; i++) await patient.describeRegions();
    assert.ok(seen.includes(429), 'some calls were throttled and retried');
    assert.equal(seen.filter((s) => s === 200).length, 40);
    await admin({ throttle: { probability: 1 } });
    const strict = new HttpProvider(`http://127.0.0.1:${port}`, { maxAttempts: 2, baseBackoffMs: 10 });
    await assert.rejects(strict.describeRegions(), (e: unknown) => e instanceof ProviderThrottledError);
    await admin({ throttle: { probability: 0 } });
  });

  it('keeps its state across SIGKILL and a restart', async () => {
    await stop(sim, 'SIGKILL');
    sim = await startSimulator(port, stateFile);
    assert.equal((await provider.getInstance(instanceId))?.state, 'running');
  });

  it('opens the circuit when the simulator is gone, failing fast', async () => {
    await stop(sim, 'SIGKILL');
    const fragile = new HttpProvider(`http://127.0.0.1:${port}`, {
      maxAttempts: 1,
      breaker: new CircuitBreaker(3, 60_000),
    });
    for (let i = 0; i < 3; i++)
      await assert.rejects(fragile.describeRegions(), (e: unknown) => e instanceof ProviderUnavailableError);
    const started = Date.now();
    await assert.rejects(fragile.describeRegions(), /circuit open/);
    assert.equal(fragile.breaker.current, 'open');
    assert.ok(Date.now() - started < 1000);
    sim = await startSimulator(port, stateFile);
  });
});
