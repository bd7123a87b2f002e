// A state snapshot whose writer dies between its data and its marker is never listed. The CLI runs against the
// stack's S3 server through an HTTP proxy that holds the marker's PUT; once the data object is stored and the
// marker is on its way, the CLI is killed with SIGKILL. Then: list (the library and the CLI) shows no such
// snapshot, the data object is there as an orphan, restore of that id says there is no such snapshot, a later
// snapshot is whole and listed, and pruning removes the orphan (grace 0 here; an hour in the controller).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import type pg from 'pg';
import { dataKey, idOfKey, snapshotBucket } from '../../controllers/state-snapshot/keys.ts';
import { listSnapshots, pruneSnapshots, snapshotStore } from '../../controllers/state-snapshot/store.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { migratedPool } from '../support/databases.ts';
import { createNamespace, deleteNamespace } from '../support/infra.ts';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';
import { installCrds } from '../support/operator.ts';
import { s3Client } from '../support/s3.ts';
import { removeTenantSnapshots, stateSnapshotCli } from '../integration/state-snapshot/support.ts';

/** Forwards every request to the S3 server but holds (never answers) a PUT of a snapshot marker. */
async function markerHoldingProxy(): Promise<{ endpoint: string; held: string[]; close(): Promise<void> }> {
  const target = new URL(endpoints().s3.endpoint);
  const held: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    if (req.method === 'PUT' && /\/tenants\/[^/]+\/snapshots\//.test(req.url ?? '')) {
      held.push(req.url!);
      return; // held: the writer waits here until it is killed
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    held,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('chaos: a state snapshot writer killed between data and marker', function () {
  this.timeout(180_000);
  const kc = adminConfig();
  const tenant = uniqueName('sscrash');
  const ns = `tenant-${tenant}`;
  const s3 = s3Client();
  const store = snapshotStore(s3, endpoints().s3.region);
  let infra: pg.Pool;
  let proxy: Awaited<ReturnType<typeof markerHoldingProxy>>;
  let orphan = '';

  before(async () => {
    installCrds();
    infra = await migratedPool('infra_db');
    await createNamespace(kc, ns);
    proxy = await markerHoldingProxy();
  });
  after(async () => {
    await proxy?.close();
    await deleteNamespace(kc, ns);
    await removeTenantSnapshots(s3, tenant);
    await infra?.end();
  });

  it('leaves no snapshot listed when the writer dies after its data and before its marker', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        './hack/stack/env-defaults.ts',
        'controllers/state-snapshot/cli.ts',
        '--tenant',
        tenant,
      ],
      { env: { ...process.env, OMNICLOUD_S3_ENDPOINT: proxy.endpoint, ...s3Env() }, stdio: 'pipe' },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) =>
      child.once('exit', (_code, signal) => r(signal)),
    );
    await eventually(`the marker PUT to be held (writer output: ${output})`, async () =>
      proxy.held.length > 0 ? true : undefined,
    );
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    orphan = idOfKey(decodeURIComponent(proxy.held[0]!.split('?')[0]!))!;
    assert.ok(orphan, `an id in ${proxy.held[0]}`);

    // The data is stored, so the crash really came between the two writes.
    const stat = await s3.statObject(snapshotBucket, dataKey(tenant, orphan));
    assert.ok(stat.size > 0);
    assert.deepEqual(await listSnapshots(store, tenant), [], 'no half snapshot listed');
    const cli = await stateSnapshotCli(['list', '--tenant', tenant]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`no snapshots of tenant ${tenant}`));
    const restore = await stateSnapshotCli(['restore', '--tenant', tenant, '--id', orphan, '--dry-run']);
    assert.equal(restore.code, 1);
    assert.match(restore.stderr, /no snapshot/);
  });

  it('takes a whole snapshot afterwards, and pruning removes the orphan but not it', async () => {
    const r = await stateSnapshotCli(['--tenant', tenant]);
    assert.equal(r.code, 0, r.stderr);
    const listed = (await listSnapshots(store, tenant)).map((m) => m.id);
    assert.equal(listed.length, 1);
    assert.notEqual(listed[0], orphan);
    await pruneSnapshots(store, tenant, 5, new Date(), 0);
    await assert.rejects(s3.statObject(snapshotBucket, dataKey(tenant, orphan)), { code: 'NotFound' });
    await s3.statObject(snapshotBucket, dataKey(tenant, listed[0]!));
    assert.deepEqual(
      (await listSnapshots(store, tenant)).map((m) => m.id),
      listed,
    );
  });
});

/** The stack's S3 keys for the CLI: with OMNICLOUD_S3_ENDPOINT set, env-defaults would not read them. */
function s3Env(): NodeJS.ProcessEnv {
  const e = endpoints().s3;
  return {
    OMNICLOUD_S3_ACCESS_KEY: e.accessKey,
    OMNICLOUD_S3_SECRET_KEY: e.secretKey,
    OMNICLOUD_S3_REGION: e.region,
  };
}
