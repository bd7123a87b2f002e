// The operator's backing-system settings: every one required, each malformed one named, no value echoed.
import assert from 'node:assert/strict';
import { ConfigError } from '../../../operator/config.ts';
import { databaseUrlFromEnv, endpointsFromEnv } from '../../../operator/endpoints.ts';

const complete = {
  OMNICLOUD_INFRA_DB_URL: 'postgres://u:s3cret@db:5432/infra_db',
  OMNICLOUD_TENANTS_DB_URL: 'postgres://u:s3cret@db:5432/tenants_db',
  OMNICLOUD_BILLING_DB_URL: 'postgresql://u:s3cret@db/billing_db',
  OMNICLOUD_AUDIT_DB_URL: 'postgres://u:s3cret@db:5432/audit_db',
  OMNICLOUD_KAFKA_BROKERS: 'kafka-0.kafka:9092, kafka-1.kafka:9092,',
  OMNICLOUD_PROVIDER_URL: 'http://omnicloud-simulator:8090',
  OMNICLOUD_S3_ENDPOINT: 'https://s3.example:7070',
  OMNICLOUD_S3_ACCESS_KEY: 'AKOPERATOR',
  OMNICLOUD_S3_SECRET_KEY: 'operator-s3-secret',
  OMNICLOUD_VAULT_ADDR: 'https://openbao.example:8200',
  OMNICLOUD_VAULT_ROLE_ID: 'role-id',
  OMNICLOUD_VAULT_SECRET_ID: 'approle-secret-id',
};

function problems(env: NodeJS.ProcessEnv): string {
  try {
    endpointsFromEnv(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

describe('operator endpoints from the environment', () => {
  it('reads every backing system', () => {
    const e = endpointsFromEnv(complete);
    assert.equal(e.postgres.billing_db, complete.OMNICLOUD_BILLING_DB_URL);
    assert.deepEqual(e.kafkaBrokers, ['kafka-0.kafka:9092', 'kafka-1.kafka:9092']);
    assert.equal(e.provider, 'http://omnicloud-simulator:8090');
    assert.deepEqual(e.s3, {
      endpoint: 'https://s3.example:7070',
      region: 'us-east-1',
      accessKey: 'AKOPERATOR',
      secretKey: 'operator-s3-secret',
    });
    assert.deepEqual(e.vault, {
      addr: 'https://openbao.example:8200',
      roleId: 'role-id',
      secretId: 'approle-secret-id',
    });
  });

  it('refuses an S3 or Vault address that is not an http URL, never echoing a key', () => {
    const message = problems({
      ...complete,
      OMNICLOUD_S3_ENDPOINT: 's3.example:7070',
      OMNICLOUD_VAULT_ADDR: 'vault',
    });
    assert.match(message, /OMNICLOUD_S3_ENDPOINT: expected an http/);
    assert.match(message, /OMNICLOUD_VAULT_ADDR: expected an http/);
    assert.doesNotMatch(message, /operator-s3-secret|approle-secret-id/);
  });

  it('names every missing variable at once, with no local default', () => {
    const message = problems({});
    for (const name of Object.keys(complete)) assert.match(message, new RegExp(`${name}: required`));
  });

  it('refuses malformed values, naming the variable and never a database password', () => {
    const message = problems({
      ...complete,
      OMNICLOUD_INFRA_DB_URL: 'mysql://u:s3cret@db/infra_db',
      OMNICLOUD_AUDIT_DB_URL: 'not a url s3cret',
      OMNICLOUD_KAFKA_BROKERS: 'kafka',
      OMNICLOUD_PROVIDER_URL: 'ftp://sim',
    });
    assert.match(message, /OMNICLOUD_INFRA_DB_URL: expected a URL like postgres:/);
    assert.match(message, /OMNICLOUD_AUDIT_DB_URL: expected a URL/);
    assert.match(message, /OMNICLOUD_KAFKA_BROKERS: expected host:port.*"kafka"/);
    assert.match(message, /OMNICLOUD_PROVIDER_URL: expected an http/);
    assert.doesNotMatch(message, /s3cret/);
    assert.doesNotMatch(message, /TENANTS_DB_URL/);
  });

  it('gives the command-line tools one database, or says which variable is missing', () => {
    assert.equal(databaseUrlFromEnv('audit_db', complete), complete.OMNICLOUD_AUDIT_DB_URL);
    assert.throws(() => databaseUrlFromEnv('audit_db', {}), /OMNICLOUD_AUDIT_DB_URL: required/);
  });
});
