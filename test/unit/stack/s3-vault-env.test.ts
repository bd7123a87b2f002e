// The S3 and Vault-API variables the local stack hands out, and the operator's OpenBao policy.
import assert from 'node:assert/strict';
import { endpoints, s3AndVaultEnv } from '../../../hack/stack/endpoints.ts';
import { operatorPolicy } from '../../../hack/stack/openbao-bootstrap.ts';

describe('stack S3 and Vault-API variables', () => {
  it('defaults to the local servers on loopback', () => {
    const e = endpoints({});
    assert.match(e.s3.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(e.s3.region, 'us-east-1');
    assert.match(e.vault.addr, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('takes a given server with its own credentials, never the local stack’s keys', () => {
    const external = {
      OMNICLOUD_S3_ENDPOINT: 'https://s3.example',
      OMNICLOUD_VAULT_ADDR: 'https://vault.example',
    };
    const e = endpoints(external);
    assert.equal(e.s3.endpoint, 'https://s3.example');
    assert.equal(e.s3.accessKey, undefined);
    assert.equal(e.vault.secretId, undefined);
    assert.deepEqual(s3AndVaultEnv(external), {
      OMNICLOUD_S3_ENDPOINT: 'https://s3.example',
      OMNICLOUD_S3_REGION: 'us-east-1',
      OMNICLOUD_VAULT_ADDR: 'https://vault.example',
    });

    const given = s3AndVaultEnv({
      ...external,
      OMNICLOUD_S3_REGION: 'eu-west-1',
      OMNICLOUD_S3_ACCESS_KEY: 'AK',
      OMNICLOUD_S3_SECRET_KEY: 'SK',
      OMNICLOUD_VAULT_ROLE_ID: 'role',
      OMNICLOUD_VAULT_SECRET_ID: 'secret',
    });
    assert.equal(given.OMNICLOUD_S3_REGION, 'eu-west-1');
    assert.equal(given.OMNICLOUD_S3_ACCESS_KEY, 'AK');
    assert.equal(given.OMNICLOUD_VAULT_SECRET_ID, 'secret');
  });

  it("limits the operator's policy to the secrets of its KV v2 mount", () => {
    const policy = operatorPolicy('omnicloud');
    const paths = [...policy.matchAll(/^path "([^"]+)"/gm)].map((m) => m[1]);
    assert.ok(paths.length > 0);
    for (const p of paths) assert.match(p!, /^omnicloud\/(data|metadata|subkeys|delete|undelete|destroy)\//);
    assert.doesNotMatch(policy, /sudo|"omnicloud\/config|"sys\//);
  });
});
