// The stack's Vault-API server (OpenBao) through `node-vault`, logged in as the operator would be: AppRole
// with the role_id and secret_id the stack hands out. KV v2 under omnicloud/ with check-and-set and version
// history; everything outside the operator's policy refused; and no root token among the variables the stack
// hands out.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import vault from 'node-vault';
import { credentialFiles } from '../../hack/stack/credentials.ts';
import { endpoints, operatorEnv } from '../../hack/stack/endpoints.ts';
import { execFileAsync } from '../../hack/stack/process.ts';
import { uniqueName } from '../support/kube.ts';

/** The HTTP status a node-vault call fails with, or 'resolved'. */
async function status(call: () => Promise<unknown>): Promise<number | string> {
  try {
    await call();
    return 'resolved';
  } catch (err) {
    return (err as { response?: { statusCode?: number } }).response?.statusCode ?? String(err);
  }
}

async function loggedIn(): Promise<vault.client> {
  const { addr, roleId, secretId } = endpoints().vault;
  assert.ok(roleId && secretId, 'the stack hands out OMNICLOUD_VAULT_ROLE_ID and OMNICLOUD_VAULT_SECRET_ID');
  const client = vault({ apiVersion: 'v1', endpoint: addr });
  await client.approleLogin({ role_id: roleId, secret_id: secretId });
  return client;
}

describe('contract: Vault API (OpenBao) through node-vault with AppRole', function () {
  this.timeout(30_000);
  let client: vault.client;
  const name = uniqueName('contract');
  const data = `omnicloud/data/contract/${name}`;
  const metadata = `omnicloud/metadata/contract/${name}`;

  before(async () => {
    client = await loggedIn();
  });

  after(async () => {
    await client?.delete(metadata).catch(() => undefined);
  });

  it("logs in with AppRole and gets a token with the operator's policy only", async () => {
    const self = (await client.tokenLookupSelf()) as { data: { policies: string[]; ttl: number } };
    assert.deepEqual([...self.data.policies].sort(), ['default', 'omnicloud-operator']);
    assert.ok(self.data.ttl > 0, 'a token that expires');
  });

  it('writes and reads a KV v2 secret with check-and-set, refusing a stale version', async () => {
    const first = (await client.write(data, { data: { password: 'one' }, options: { cas: 0 } })) as {
      data: { version: number };
    };
    assert.equal(first.data.version, 1);
    assert.equal(
      await status(() => client.write(data, { data: { password: 'again' }, options: { cas: 0 } })),
      400,
    );

    const second = (await client.write(data, { data: { password: 'two' }, options: { cas: 1 } })) as {
      data: { version: number };
    };
    assert.equal(second.data.version, 2);
    assert.equal(
      await status(() => client.write(data, { data: { password: 'stale' }, options: { cas: 1 } })),
      400,
      'a write against version 1 after version 2 is refused',
    );

    const read = (await client.read(data)) as {
      data: { data: { password: string }; metadata: { version: number } };
    };
    assert.deepEqual(read.data.data, { password: 'two' });
    assert.equal(read.data.metadata.version, 2);
    const old = (await client.read(`${data}?version=1`)) as { data: { data: { password: string } } };
    assert.deepEqual(old.data.data, { password: 'one' });

    const history = (await client.read(metadata)) as {
      data: { current_version: number; versions: Record<string, { destroyed: boolean }> };
    };
    assert.equal(history.data.current_version, 2);
    assert.deepEqual(Object.keys(history.data.versions).sort(), ['1', '2']);
  });

  it('is refused everything outside omnicloud/ secrets', async () => {
    const refused = async (what: string, call: () => Promise<unknown>) =>
      assert.equal(await status(call), 403, what);
    await refused('another mount', () => client.write('secret/data/x', { data: { a: 'b' } }));
    await refused('the mount settings', () => client.write('omnicloud/config', { cas_required: false }));
    await refused('the mount table', () => client.read('sys/mounts'));
    await refused('its own policy', () =>
      client.write('sys/policies/acl/omnicloud-operator', { policy: 'path "*" { capabilities = ["sudo"] }' }),
    );
    await refused('a new secret_id', () =>
      client.write('auth/approle/role/omnicloud-operator/secret-id', {}),
    );
    await refused('a child token', () => client.tokenCreate({ policies: ['root'] }));
  });

  it('hands out no root token: no variable of the stack is a token the server accepts', async () => {
    const { stdout } = await execFileAsync('npx', ['tsx', 'hack/stack/cli.ts', 'env']);
    const printed = [...stdout.matchAll(/^export [A-Z0-9_]+='?([^'\n]*)'?$/gm)].map((m) => m[1]!);
    const values = [...new Set([...printed, ...Object.values(operatorEnv())])];
    assert.ok(values.includes(endpoints().vault.secretId!), 'the env carries the AppRole login');
    const anonymous = vault({ apiVersion: 'v1', endpoint: endpoints().vault.addr });
    for (const value of values) {
      anonymous.token = value;
      assert.equal(await status(() => anonymous.tokenLookupSelf()), 403, 'a value is accepted as a token');
    }
    assert.equal(fs.statSync(credentialFiles.openbaoRoot).mode & 0o777, 0o600, 'root credentials are 0600');
  });
});
