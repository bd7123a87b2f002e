// Adoption of an existing KV path by the omnicloud.io/external-name annotation, and the operator's Vault
// client against the real OpenBao: a path written outside OmniCloud taken over (its value kept, then rotated
// in place), a path another object holds or another tenant's tree refused, a path that holds nothing named
// as such; the client logs in again when its token is revoked, and says an unreachable server without a token
// or the AppRole login in its message.
import assert from 'node:assert/strict';
import net from 'node:net';
import vault from 'node-vault';
import { OperatorVault, VaultUnavailableError } from '../../../controllers/backing/vault.ts';
import { condition } from '../../support/infra.ts';
import { uniqueName } from '../../support/kube.ts';
import { SecretHarness, vaultLogin } from './harness.ts';

describe('integration: ManagedSecret adoption and the Vault client', function () {
  this.timeout(120_000);
  const h = new SecretHarness('msec-adopt');
  const legacy = `legacy/${uniqueName('app')}/db-password`;

  before(async () => {
    await h.start();
    await h.direct.write(legacy, { password: 'set-by-hand-long-ago' }, 0);
  });
  after(async () => {
    await h.stop();
    await h.direct.destroy(legacy).catch(() => undefined);
  });

  it('adopts a path written outside OmniCloud: its value delivered as is, then rotated in place', async () => {
    await h.create('legacy', { generate: { length: 24 } }, { 'omnicloud.io/external-name': legacy });
    const adopted = await h.ready('legacy');
    assert.equal(adopted.status?.path, `omnicloud/${legacy}`);
    assert.equal(adopted.status?.version, 1);
    assert.equal(await h.secretValue('legacy'), 'set-by-hand-long-ago');
    assert.equal((await h.direct.metadata(legacy))?.customMetadata['omnicloud-uid'], adopted.metadata.uid);

    await h.annotate('legacy', { 'omnicloud.io/rotate-at': 'first' });
    const rotated = await h.ready('legacy', 1);
    assert.equal(rotated.status?.version, 2);
    const value = (await h.direct.readLatest(legacy))?.data.value;
    assert.ok(value && value !== 'set-by-hand-long-ago');
    assert.equal(await h.secretValue('legacy'), value);
  });

  it('refuses a path another object already manages', async () => {
    await h.create('second', { generate: {} }, { 'omnicloud.io/external-name': legacy });
    const refused = await h.waitFor(
      'second',
      'AlreadyClaimed',
      (o) => condition(o, 'Ready')?.reason === 'AlreadyClaimed',
    );
    assert.match(
      condition(refused, 'Ready')!.message,
      new RegExp(`already managed by ManagedSecret ${h.ns}/legacy`),
    );
    assert.equal(await h.secret('second'), undefined);
  });

  it("refuses another tenant's tree before asking OpenBao, and names a path that holds nothing", async () => {
    await h.create(
      'foreign',
      { generate: {} },
      { 'omnicloud.io/external-name': 'tenants/someone-else/ns/db' },
    );
    const foreign = await h.waitFor(
      'foreign',
      'refused',
      (o) => condition(o, 'Ready')?.status === 'False' && condition(o, 'Ready')?.reason === 'InvalidSpec',
    );
    assert.match(condition(foreign, 'Ready')!.message, /another tenant's secret/);
    await h.create(
      'nothing',
      { generate: {} },
      { 'omnicloud.io/external-name': `legacy/${uniqueName('none')}` },
    );
    const nothing = await h.waitFor(
      'nothing',
      'not found',
      (o) => condition(o, 'Ready')?.reason === 'ExternalResourceNotFound',
    );
    assert.match(condition(nothing, 'Ready')!.message, /has no secret at omnicloud\/legacy\//);
  });

  it('observes an adopted path under ObserveOnly: its version recorded, an outside write reported, nothing changed', async () => {
    const observed = `legacy/${uniqueName('observed')}`;
    await h.direct.write(observed, { value: 'theirs' }, 0);
    await h.direct.setMetadata(observed, { maxVersions: 3 });
    const statusOf = async () => JSON.stringify((await h.read('watcher'))?.status);
    try {
      await h.create(
        'watcher',
        { generate: {}, history: 3, managementPolicy: 'ObserveOnly' },
        { 'omnicloud.io/external-name': observed },
      );
      const seen = await h
        .waitFor('watcher', 'observed in sync', (o) => condition(o, 'Drifted')?.status === 'False', 30_000)
        .catch(async (err: unknown) => assert.fail(`${String(err)}: ${await statusOf()}`));
      assert.equal(seen.status?.version, 1);
      await h.direct.write(observed, { value: 'theirs-again' }, 1);
      const drifted = await h.waitFor(
        'watcher',
        'Drifted',
        (o) => condition(o, 'Drifted')?.status === 'True',
      );
      assert.deepEqual(
        drifted.status?.drift?.records.map((r) => [r.path, r.actual, r.action]),
        [['version', '2', 'alert']],
      );
      await h.removeAndWait('watcher');
      const meta = await h.direct.metadata(observed);
      assert.equal(meta?.currentVersion, 2, 'no version written');
      assert.equal(meta?.maxVersions, 3, 'its history length untouched');
      assert.equal(meta?.customMetadata['omnicloud-uid'], undefined, 'not marked as managed');
      assert.equal(await h.secret('watcher'), undefined, 'nothing delivered');
    } finally {
      await h.direct.destroy(observed).catch(() => undefined);
    }
  });

  it('logs in again with AppRole when its token is revoked', async () => {
    const client = new OperatorVault(vaultLogin());
    const path = `legacy/${uniqueName('relogin')}`;
    await client.write(path, { value: 'x' }, 0);
    // Revoke the client's own token from the outside: the next call meets 403 and logs in again.
    const token = (client as unknown as { client: { token: string } }).client.token;
    const raw = vault({ apiVersion: 'v1', endpoint: vaultLogin().addr, token });
    await raw.tokenRevokeSelf();
    assert.equal((await client.readLatest(path))?.data.value, 'x');
    assert.notEqual((client as unknown as { client: { token: string } }).client.token, token, 'a new token');
    await client.destroy(path);
  });

  it('tells an unreachable server as VaultUnavailable, with no token or login in the message', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const client = new OperatorVault(
      { ...vaultLogin(), addr: `http://127.0.0.1:${closed}` },
      { timeoutMs: 1_000 },
    );
    const err = await client.readLatest('legacy/x').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof VaultUnavailableError, String(err));
    assert.match(
      err.message,
      /the Vault API cannot be reached to log in with AppRole to the Vault API \(ECONNREFUSED\)/,
    );
    for (const secret of [vaultLogin().roleId, vaultLogin().secretId])
      assert.ok(!err.message.includes(secret));
  });
});
