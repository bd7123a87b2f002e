// The manager's lifecycle: the exit code it reports (0 on SIGTERM, 2 on a lost lease, 1 on a failed start),
// background tasks stopped in reverse order whatever happened, no task ever started twice, and a stop that
// hangs not holding the exit past the grace period. Leader election is driven by hand here; the real one is
// exercised against the API server in test/chaos/leader-split-brain.test.ts.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { loadConfig } from '../../../operator/config.ts';
import type { Controller } from '../../../operator/controller.ts';
import { ExitCode, Manager, type BackgroundTask, type Election } from '../../../operator/manager.ts';

const log = pino({ level: 'silent' });

function config(env: Record<string, string> = {}) {
  return loadConfig(['node', 'operator'], {
    OMNICLOUD_HTTP_PORT: '0',
    OMNICLOUD_SHUTDOWN_GRACE_MS: '2000',
    OMNICLOUD_LEASE_DURATION_MS: '3000',
    OMNICLOUD_RENEW_DEADLINE_MS: '2000',
    OMNICLOUD_RETRY_PERIOD_MS: '500',
    ...env,
  });
}

/** Records the order in which things start and stop. */
class Journal {
  readonly entries: string[] = [];
  task(name: string, behaviour: { failStart?: boolean; hangStop?: boolean } = {}): BackgroundTask {
    return {
      name,
      start: async () => {
        this.entries.push(`start ${name}`);
        await Promise.resolve();
        if (behaviour.failStart) throw new Error(`${name} cannot start`);
      },
      stop: async () => {
        this.entries.push(`stop ${name}`);
        if (behaviour.hangStop) await new Promise(() => undefined);
      },
    };
  }
  controller(name: string): Controller<k8s.KubernetesObject> {
    const controller = {
      hasSynced: true,
      start: async () => void this.entries.push(`start ${name}`),
      stop: async () => void this.entries.push(`stop ${name}`),
    };
    return controller as unknown as Controller<k8s.KubernetesObject>;
  }
  count(entry: string): number {
    return this.entries.filter((e) => e === entry).length;
  }
}

/** An election the test decides. */
class HandElection implements Election {
  started = false;
  stopped = false;
  lead!: () => void;
  lose!: () => void;
  start(): void {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

function managed(journal: Journal, tasks: BackgroundTask[], env: Record<string, string> = {}) {
  const election = new HandElection();
  const manager = new Manager(new k8s.KubeConfig(), config(env), log, {
    elect: (lead, lose) => Object.assign(election, { lead, lose }),
  });
  for (const t of tasks) manager.addBackground(t);
  manager.add(journal.controller('controller'));
  return { manager, election };
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('Manager', () => {
  it('resolves exited with 2 after losing the lease, its work stopped in reverse order first', async () => {
    const journal = new Journal();
    const { manager, election } = managed(journal, [journal.task('relay'), journal.task('refresh')]);
    await manager.start();
    assert.ok(election.started);
    election.lead();
    await until('the controller to start', () => journal.entries.includes('start controller'));
    election.lose();
    assert.equal(await manager.exited, ExitCode.LeaseLost);
    assert.deepEqual(journal.entries, [
      'start relay',
      'start refresh',
      'start controller',
      'stop controller',
      'stop refresh',
      'stop relay',
    ]);
    assert.ok(election.stopped);
  });

  it('stops the tasks a failed start began, in reverse order, and resolves exited with 1', async () => {
    const journal = new Journal();
    const { manager, election } = managed(journal, [
      journal.task('relay'),
      journal.task('consumer'),
      journal.task('refresh', { failStart: true }),
      journal.task('period-close'),
    ]);
    await manager.start();
    election.lead();
    assert.equal(await manager.exited, ExitCode.StartFailed);
    assert.deepEqual(journal.entries, [
      'start relay',
      'start consumer',
      'start refresh',
      'stop refresh',
      'stop consumer',
      'stop relay',
    ]);
    assert.ok(election.stopped, 'the lease is handed back so a standby takes over');
  });

  it('resolves exited with 1 when a start fails without leader election too', async () => {
    const journal = new Journal();
    const manager = new Manager(new k8s.KubeConfig(), config({ OMNICLOUD_LEADER_ELECTION: 'false' }), log);
    manager.addBackground(journal.task('relay'));
    manager.addBackground(journal.task('refresh', { failStart: true }));
    await manager.start();
    assert.equal(await manager.exited, ExitCode.StartFailed);
    assert.deepEqual(journal.entries, ['start relay', 'start refresh', 'stop refresh', 'stop relay']);
  });

  it('never starts a task twice, whether leadership is won twice or lost and won again', async () => {
    const journal = new Journal();
    const { manager, election } = managed(journal, [journal.task('relay')]);
    await manager.start();
    election.lead();
    election.lead();
    await until('the controller to start', () => journal.entries.includes('start controller'));
    election.lose();
    election.lead();
    assert.equal(await manager.exited, ExitCode.LeaseLost);
    election.lead();
    await new Promise((r) => setImmediate(r));
    assert.equal(journal.count('start relay'), 1);
    assert.equal(journal.count('start controller'), 1);
    assert.equal(journal.count('stop relay'), 1);
  });

  it('a lease lost while tasks are still starting stops them once their start settles, and starts no more', async () => {
    const journal = new Journal();
    let release!: () => void;
    const slow: BackgroundTask = {
      name: 'slow',
      start: async () => {
        journal.entries.push('start slow');
        await new Promise<void>((r) => (release = r));
      },
      stop: async () => void journal.entries.push('stop slow'),
    };
    const { manager, election } = managed(journal, [journal.task('relay'), slow, journal.task('refresh')]);
    await manager.start();
    election.lead();
    await until('the slow task to be starting', () => journal.entries.includes('start slow'));
    election.lose();
    release();
    assert.equal(await manager.exited, ExitCode.LeaseLost);
    assert.deepEqual(journal.entries, ['start relay', 'start slow', 'stop slow', 'stop relay']);
  });

  it('resolves exited with 0 on SIGTERM, after stopping its work and releasing the lease', async () => {
    const journal = new Journal();
    const { manager, election } = managed(journal, [journal.task('relay')]);
    await manager.start();
    election.lead();
    await until('the controller to start', () => journal.entries.includes('start controller'));
    process.emit('SIGTERM', 'SIGTERM');
    assert.equal(await manager.exited, ExitCode.Stopped);
    assert.deepEqual(journal.entries, ['start relay', 'start controller', 'stop controller', 'stop relay']);
    assert.ok(election.stopped);
    assert.equal(process.listenerCount('SIGTERM'), 0, 'its signal handlers are gone');
  });

  it('a stop that hangs does not hold exited past the grace period', async () => {
    const journal = new Journal();
    const { manager, election } = managed(
      journal,
      [journal.task('relay'), journal.task('stuck', { hangStop: true })],
      { OMNICLOUD_SHUTDOWN_GRACE_MS: '300' },
    );
    await manager.start();
    election.lead();
    await until('the controller to start', () => journal.entries.includes('start controller'));
    void manager.shutdown('SIGTERM');
    assert.equal(await manager.exited, ExitCode.Stopped);
    assert.ok(journal.entries.includes('stop relay'), 'the tasks before the stuck one are still stopped');
  });

  it('after a lost lease allows work only until the lease could expire for others', async () => {
    const journal = new Journal();
    const { manager, election } = managed(journal, [journal.task('stuck', { hangStop: true })], {
      OMNICLOUD_SHUTDOWN_GRACE_MS: '60000',
      OMNICLOUD_LEASE_DURATION_MS: '1500',
      OMNICLOUD_RENEW_DEADLINE_MS: '1000',
    });
    await manager.start();
    election.lead();
    await until('the controller to start', () => journal.entries.includes('start controller'));
    election.lose();
    const exited = await Promise.race([
      manager.exited,
      new Promise((r) => setTimeout(() => r('still stopping'), 10_000).unref()),
    ]);
    assert.equal(exited, ExitCode.LeaseLost);
  });
});
