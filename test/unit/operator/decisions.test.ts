// Pure decisions of the runtime: finalizers, error classes and configuration (leases: lease.test.ts).
import assert from 'node:assert/strict';
import { errorClass, TerminalError } from '../../../operator/action.ts';
import { ConfigError, loadConfig } from '../../../operator/config.ts';
import { finalizerDecision } from '../../../operator/finalizer.ts';

const f = 'omnicloud.io/cleanup';

describe('finalizer decisions', () => {
  it('adds the finalizer first, then applies', () => {
    assert.equal(finalizerDecision({ metadata: {} }, f), 'add-finalizer');
    assert.equal(finalizerDecision({ metadata: { finalizers: ['other'] } }, f), 'add-finalizer');
    assert.equal(finalizerDecision({ metadata: { finalizers: ['other', f] } }, f), 'apply');
  });
  it('cleans up on delete while the finalizer is there, and leaves it alone after', () => {
    const deleting = new Date();
    assert.equal(
      finalizerDecision({ metadata: { deletionTimestamp: deleting, finalizers: [f] } }, f),
      'cleanup',
    );
    assert.equal(
      finalizerDecision({ metadata: { deletionTimestamp: deleting, finalizers: ['other'] } }, f),
      'gone',
    );
  });
});

describe('error classes', () => {
  it('separates terminal, conflict and transient errors', () => {
    assert.equal(errorClass(new TerminalError('bad spec')), 'terminal');
    assert.equal(errorClass(Object.assign(new Error('conflict'), { code: 409 })), 'conflict');
    assert.equal(errorClass(new Error('ECONNREFUSED')), 'transient');
  });
});

describe('operator configuration', () => {
  it('has sensible defaults', () => {
    const c = loadConfig(['node', 'operator'], {});
    assert.equal(c.workers, 16);
    assert.equal(c.leaderElection, true);
    assert.deepEqual([c.leaseDurationMs, c.renewDeadlineMs, c.retryPeriodMs], [15000, 10000, 2000]);
  });
  it('lets flags win over the environment', () => {
    const c = loadConfig(['node', 'operator', '--workers', '8'], { OMNICLOUD_WORKERS: '2' });
    assert.equal(c.workers, 8);
  });
  it('names every bad value and what would be accepted', () => {
    assert.throws(
      () =>
        loadConfig(['node', 'operator'], { OMNICLOUD_WORKERS: 'abc', OMNICLOUD_LEADER_ELECTION: 'maybe' }),
      (err: Error) =>
        err instanceof ConfigError &&
        /OMNICLOUD_WORKERS \(--workers\): expected a whole number from 1 to 64 \(got "abc"\)/.test(
          err.message,
        ) &&
        /OMNICLOUD_LEADER_ELECTION.*expected true or false/.test(err.message),
    );
  });
  it('refuses a renew deadline longer than the lease', () => {
    assert.throws(
      () =>
        loadConfig(['node', 'operator'], {
          OMNICLOUD_LEASE_DURATION_MS: '5000',
          OMNICLOUD_RENEW_DEADLINE_MS: '8000',
        }),
      /RENEW_DEADLINE_MS must be shorter than OMNICLOUD_LEASE_DURATION_MS/,
    );
  });
});

describe('waits asked for by the other side', () => {
  it('classifies an error carrying retryAfterMs as throttled, requeued after that wait', async () => {
    const { retryAfterOf } = await import('../../../operator/action.ts');
    const throttled = Object.assign(new Error('slow down'), { retryAfterMs: 1500 });
    assert.equal(errorClass(throttled), 'throttled');
    assert.equal(retryAfterOf(throttled), 1500);
    assert.equal(retryAfterOf(Object.assign(new Error('x'), { retryAfterMs: 10_000_000 })), 600_000);
    for (const bad of [-1, Number.NaN, '5', undefined]) {
      assert.equal(retryAfterOf(Object.assign(new Error('x'), { retryAfterMs: bad })), undefined);
    }
    assert.equal(errorClass(new TerminalError('bad spec')), 'terminal');
  });
});
