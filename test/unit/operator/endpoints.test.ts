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
