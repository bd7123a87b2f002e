import assert from 'node:assert/strict';
import { refusal, sameServer } from '../../../bench/support/other-operators.ts';
import { percentile } from '../../../bench/support/stats.ts';

describe('bench: another operator is named with how to stop it', () => {
  const lease = { namespace: 'kube-system', name: 'omnicloud-operator' };
  const npmStart = {
    pid: 4242,
    command: 'node /work/main/node_modules/.bin/tsx hack/run-operator.ts',
    identity: 'vm-4242 or vm-4250',
    leaderElection: true,
    server: 'https://127.0.0.1:16443',
  };

  it('names the Lease holder, the local process that holds it, and the kill command', () => {
    const msg = refusal(
      'compute-e2e',
      'https://127.0.0.1:16443',
      { ...lease, holder: { holder: 'vm-4250', renewals: 2, watchedMs: 2100 } },
      [npmStart],
    );
    assert.match(msg, /compute-e2e must run alone/);
    assert.match(
      msg,
      /held by "vm-4250", renewed 2 time\(s\) in the 2\.1 s it was watched \(pid 4242 on this machine\)/,
    );
    assert.match(msg, /kill 4242 /);
    assert.doesNotMatch(msg, /runs elsewhere/);
  });

  it('says an operator without leader election is in no Lease', () => {
    const msg = refusal('placement', 'https://127.0.0.1:16443', lease, [
      {
        ...npmStart,
        pid: 77,
        command: 'node --import tsx operator/main.ts',
        identity: 'it-op-1',
        leaderElection: false,
      },
    ]);
    assert.match(msg, /pid 77: node --import tsx operator\/main\.ts/);
    assert.match(msg, /leader election OFF/);
    assert.doesNotMatch(msg, /leader Lease/);
  });

  it('points at the Lease when its holder is not on this machine', () => {
    const msg = refusal(
      'compute-e2e',
      'https://10.0.0.1:6443',
      {
        ...lease,
        holder: { holder: 'omnicloud-7c9d8-x2k4q', renewals: 1, watchedMs: 1500 },
      },
      [],
    );
    assert.match(msg, /not a process on this machine/);
    assert.match(msg, /runs elsewhere: stop it there \(kubectl -n kube-system get lease omnicloud-operator/);
  });

  it('takes localhost and 127.0.0.1, and an implied port, as the same server', () => {
    assert.ok(sameServer('https://localhost:16443', 'https://127.0.0.1:16443/'));
    assert.ok(sameServer('https://10.0.0.1', 'https://10.0.0.1:443'));
    assert.ok(!sameServer('https://127.0.0.1:16443', 'https://127.0.0.1:6443'));
    assert.ok(!sameServer(undefined, 'https://127.0.0.1:6443'));
  });
});

describe('bench: percentiles', () => {
  it('are nearest-rank', () => {
    const ms = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(ms, 50), 50);
    assert.equal(percentile(ms, 99), 99);
    assert.equal(percentile([5], 99), 5);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});
