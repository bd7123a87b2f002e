// The operator's S3 IAM-admin keys from its environment: optional, both or neither, never echoed; and the
// Bucket controller's backends built from them (no account administration without them).
import assert from 'node:assert/strict';
import { ConfigError } from '../../../operator/config.ts';
import { endpointsFromEnv } from '../../../operator/endpoints.ts';
import { bucketBackends } from '../../../controllers/bucket/reconcile.ts';

const base = {
  OMNICLOUD_INFRA_DB_URL: 'postgres://u:p@db:5432/infra_db',
  OMNICLOUD_TENANTS_DB_URL: 'postgres://u:p@db:5432/tenants_db',
  OMNICLOUD_BILLING_DB_URL: 'postgres://u:p@db:5432/billing_db',
  OMNICLOUD_AUDIT_DB_URL: 'postgres://u:p@db:5432/audit_db',
  OMNICLOUD_KAFKA_BROKERS: 'kafka:9092',
  OMNICLOUD_PROVIDER_URL: 'http://sim:8090',
  OMNICLOUD_S3_ENDPOINT: 'https://s3.example:7070',
  OMNICLOUD_S3_ACCESS_KEY: 'AKOPERATOR',
  OMNICLOUD_S3_SECRET_KEY: 'operator-s3-secret',
  OMNICLOUD_VAULT_ADDR: 'https://openbao.example:8200',
  OMNICLOUD_VAULT_ROLE_ID: 'role-id',
  OMNICLOUD_VAULT_SECRET_ID: 'approle-secret-id',
};

describe('bucket: the operator S3 IAM-admin keys', () => {
  it('are optional, and taken when both are given', () => {
    assert.equal(endpointsFromEnv(base).s3.admin, undefined);
    assert.equal(bucketBackends(endpointsFromEnv(base).s3).admin, undefined, 'no account administration');
    const e = endpointsFromEnv({
      ...base,
      OMNICLOUD_S3_ADMIN_ACCESS_KEY: 'AKADMIN',
      OMNICLOUD_S3_ADMIN_SECRET_KEY: 'admin-secret-value',
    });
    assert.deepEqual(e.s3.admin, { accessKey: 'AKADMIN', secretKey: 'admin-secret-value' });
    assert.equal(e.s3.accessKey, 'AKOPERATOR', "the operator's own key stays its own");
    assert.ok(bucketBackends(e.s3).admin);
  });

  it('refuses one without the other, naming both variables and echoing neither value', () => {
    assert.throws(
      () => endpointsFromEnv({ ...base, OMNICLOUD_S3_ADMIN_SECRET_KEY: 'admin-secret-value' }),
      (err: Error) =>
        err instanceof ConfigError &&
        /OMNICLOUD_S3_ADMIN_ACCESS_KEY and OMNICLOUD_S3_ADMIN_SECRET_KEY: give both/.test(err.message) &&
        !err.message.includes('admin-secret-value'),
    );
  });
});
