// OpenBao unreachable for about 30 s under load: the controller's only way to OpenBao is a proxy that freezes
// (requests hang, as behind a dead router). ManagedSecrets being created, rotated on demand and re-copied from
// a changed source meanwhile show Synced=False with reason VaultUnavailable and a message naming the Vault API;
// nothing is lost (every request is answered, every source change written, no version destroyed), and every
// object is Ready and Synced again within 30 s of OpenBao's return.
import assert from 'node:assert/strict';
import { startFreezableProxy, type FreezableProxy } from '../support/freezable-proxy.ts';
import { condition } from '../support/infra.ts';
import { eventually } from '../support/kube.ts';
import { openBaoTarget, SecretHarness, startForwarder } from '../integration/secret/harness.ts';
import type { SecretObj } from '../../controllers/secret/reconcile.ts';

const settled = (o: SecretObj) =>
  condition(o, 'Ready')?.status === 'True' && condition(o, 'Synced')?.status === 'True';

describe('chaos: OpenBao unreachable for 30 s under load', function () {
  this.timeout(300_000);
  const h = new SecretHarness('msec-chaos');
  let frozen: FreezableProxy | undefined;
  let forwarder: { close(): Promise<void> } | undefined;

  before(async () => {
    frozen = await startFreezableProxy(openBaoTarget());
    await h.start({ vaultAddr: `http://127.0.0.1:${frozen.port}`, vaultTimeoutMs: 2_000, workers: 8 });
  });
  after(async () => {
    await frozen?.close().catch(() => undefined);
    // Deleting needs OpenBao: bring it back for the cleanup if a failure left it away.
    if (!forwarder && frozen)
      forwarder = await startForwarder(frozen.port, openBaoTarget()).catch(() => undefined);
    await h.stop();
    await forwarder?.close().catch(() => undefined);
  });

  it('shows VaultUnavailable while it is away, loses nothing, and converges within 30 s of its return', async () => {
    const generated = ['g0', 'g1', 'g2', 'g3'];
    const copied = ['c0', 'c1', 'c2'];
    const late = ['n0', 'n1', 'n2'];
    for (const name of copied) await h.putSource(`${name}-src`, 'v', `${name}-before`);
    await Promise.all([
      ...generated.map((name) => h.create(name, { generate: { length: 32 }, history: 20 })),
      ...copied.map((name) => h.create(name, { source: { secretRef: { name: `${name}-src`, key: 'v' } } })),
    ]);
    const before = new Map<string, number>();
    for (const name of [...generated, ...copied]) before.set(name, (await h.ready(name)).status!.version!);

    const outageStart = Date.now();
    frozen!.freeze();
    // Load while it is away: new objects, rotations asked for, sources changed.
    await Promise.all([
      ...late.map((name) => h.create(name, { generate: { length: 16 } })),
      ...generated.map((name) => h.annotate(name, { 'omnicloud.io/rotate-at': 'during-outage' })),
      ...copied.map((name) => h.putSource(`${name}-src`, 'v', `${name}-after`)),
    ]);
    for (const name of [...generated, ...copied, ...late]) {
      const down = await h.waitFor(
        name,
        'Synced=False VaultUnavailable',
        (o) =>
          condition(o, 'Synced')?.status === 'False' && condition(o, 'Synced')?.reason === 'VaultUnavailable',
        45_000,
      );
      assert.match(condition(down, 'Synced')!.message, /the Vault API cannot be reached/);
      assert.equal(condition(down, 'Ready')?.reason, 'VaultUnavailable');
      assert.equal(condition(down, 'Degraded')?.status, 'True');
    }
    // Away for about 30 s in all.
    await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - outageStart))));

    await frozen!.close();
    const port = frozen!.port;
    frozen = undefined;
    forwarder = await startForwarder(port, openBaoTarget());
    const returned = Date.now();
    const within = () => Math.max(1_000, 30_000 - (Date.now() - returned));

    for (const name of generated) {
      const o = await h.waitFor(
        name,
        'rotated and settled',
        (x) => settled(x) && x.status!.version! > before.get(name)!,
        within(),
      );
      assert.equal(await h.secretValue(name), (await h.direct.readLatest(h.path(name)))?.data.value);
      const { rows } = await h.pool.query<{ rotate_request: string }>(
        'SELECT rotate_request FROM managed_secrets WHERE uid = $1',
        [o.metadata.uid],
      );
      assert.equal(
        rows[0]?.rotate_request,
        'during-outage',
        'the request made during the outage was answered',
      );
    }
    for (const name of copied) {
      await h.waitFor(
        name,
        'the new source written and settled',
        (x) => settled(x) && x.status!.version! > before.get(name)!,
        within(),
      );
      assert.equal((await h.direct.readLatest(h.path(name)))?.data.value, `${name}-after`);
      await eventually(
        `${name} delivered`,
        async () => ((await h.secretValue(name)) === `${name}-after` ? true : undefined),
        within(),
      );
    }
    for (const name of late) {
      await h.waitFor(name, 'created and settled', settled, within());
      assert.equal((await h.direct.metadata(h.path(name)))?.currentVersion, 1, 'created once');
    }
    for (const name of [...generated, ...copied]) {
      const meta = (await h.direct.metadata(h.path(name)))!;
      const versions = Object.keys(meta.versions)
        .map(Number)
        .sort((a, b) => a - b);
      assert.deepEqual(
        versions,
        Array.from({ length: meta.currentVersion }, (_, i) => i + 1),
        `${name}: every version kept`,
      );
      assert.ok(
        !Object.values(meta.versions).some((v) => v.destroyed || v.deletionTime),
        `${name}: none destroyed`,
      );
    }
  });
});
