// Endpoint resolution of the local stack: defaults, overrides, and clear errors for bad ports.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { endpoints } from '../../../hack/stack/endpoints.ts';

describe('stack endpoints', () => {
  it('uses the local stack when nothing is overridden', () => {
    const e = endpoints({});
    assert.match(e.kubeconfig, /stack\/kubeconfig\/admin\.kubeconfig$/);
    assert.deepEqual(Object.keys(e.postgres).sort(), ['audit_db', 'billing_db', 'infra_db', 'tenants_db']);
    assert.match(e.postgres.billing_db, /^postgres:\/\/omnicloud:[^@]+@127\.0\.0\.1:\d+\/billing_db$/);
    assert.match(e.redis, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(e.kafkaBrokers.length, 1);
  });

  it('takes every address from the environment when given', () => {
    const e = endpoints({
      KUBECONFIG: '/etc/k/config',
      OMNICLOUD_AUDIT_DB_URL: 'postgres://a@db.example/audit',
      OMNICLOUD_REDIS_URL: 'redis://cache:6379',
      OMNICLOUD_KAFKA_BROKERS: 'k1:9092,k2:9092,',
    });
    assert.equal(e.kubeconfig, '/etc/k/config');
    assert.equal(e.postgres.audit_db, 'postgres://a@db.example/audit');
    assert.match(e.postgres.infra_db, /127\.0\.0\.1/);
    assert.equal(e.redis, 'redis://cache:6379');
    assert.deepEqual(e.kafkaBrokers, ['k1:9092', 'k2:9092']);
  });

  it('refuses a port that is not a port, naming the variable', () => {
    let message = '';
    try {
      execFileSync('node', ['--import', 'tsx', '-e', "await import('./hack/stack/config.ts')"], {
        env: { ...process.env, OMNICLOUD_REDIS_PORT: '70000' },
        stdio: 'pipe',
      });
    } catch (err) {
      message = String((err as { stderr: Buffer }).stderr);
    }
    assert.match(message, /OMNICLOUD_REDIS_PORT=70000 is not a TCP port/);
  });
});
