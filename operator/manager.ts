// Runs controllers in one process: the health and metrics server, leader election, background tasks and
// shutdown. It never ends the process itself: `exited` resolves, once everything it started has stopped (or
// the grace period is up), with the code the process should exit with: 0 after SIGTERM/SIGINT, 2 after
// losing the lease, 1 when the controllers or background tasks failed to start. Work starts at most once per
// Manager, so a lease lost and won again, or a partial start, can never run two copies of a task.
import type http from 'node:http';
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.ts';
import type { OperatorConfig } from './config.ts';
import type { Controller } from './controller.ts';
import { startHttpServer } from './http.ts';
import { LeaderElector } from './leader.ts';

/** Work beside the controllers that only the active replica does (relays, consumers, periodic jobs). */
export interface BackgroundTask {
  name: string;
  start(): void | Promise<void>;
  /** Also called after a start that threw, to undo whatever part of it ran. */
  stop(): Promise<void>;
}

/** The codes `exited` resolves with. */
export const ExitCode = { Stopped: 0, StartFailed: 1, LeaseLost: 2 } as const;

/** What the manager needs of leader election. */
export interface Election {
  start(): void;
  /** Stops campaigning and hands the lease back if this replica holds it. */
  stop(): Promise<void>;
}

export interface ManagerOptions {
  clock?: Clock;
  /** Builds the election; a LeaderElector on the configured Lease by default. */
  elect?(onStartedLeading: () => void, onStoppedLeading: () => void): Election;
}

export class Manager {
  /** Resolves with the process's exit code once the manager has stopped. */
  readonly exited: Promise<number>;
  private resolveExited!: (code: number) => void;
  private readonly controllers: Controller<k8s.KubernetesObject>[] = [];
  private readonly tasks: BackgroundTask[] = [];
  /** Tasks whose start was begun, in order: each is stopped, in reverse, whether its start finished or not. */
  private readonly startedTasks: BackgroundTask[] = [];
  private readonly clock: Clock;
  private election?: Election;
  private server?: http.Server;
  private started = false;
  private workStarted = false;
  private controllersStarting = false;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;
  private readonly onSignal = (signal: NodeJS.Signals) => void this.shutdown(signal);

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly config: OperatorConfig,
    private readonly log: Logger,
    private readonly options: ManagerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  add<T extends k8s.KubernetesObject>(controller: Controller<T>): void {
    this.controllers.push(controller as unknown as Controller<k8s.KubernetesObject>);
  }

  /** Runs `task` while this replica leads (at once without leader election); stops it on shutdown. */
  addBackground(task: BackgroundTask): void {
    this.tasks.push(task);
  }

  get address(): number | undefined {
    const a = this.server?.address();
    return typeof a === 'object' && a ? a.port : undefined;
  }

  /** Serves the probes and starts campaigning (or working, without leader election); resolves once started. */
  async start(): Promise<void> {
    if (this.started) throw new Error('the manager was already started');
    this.started = true;
    this.server = await startHttpServer(this.config.httpPort, {
      live: () => !this.stopping,
      ready: () => {
        if (this.stopping) return { ok: false, detail: 'shutting down' };
        if (!this.workStarted) return { ok: true, detail: 'standby: waiting for the leader lease' };
        const synced = this.controllers.every((c) => c.hasSynced);
        return { ok: synced, detail: synced ? 'leader: caches synced' : 'leader: caches syncing' };
      },
    });
    process.once('SIGTERM', this.onSignal);
    process.once('SIGINT', this.onSignal);
    if (!this.config.leaderElection) return this.startWork();
    this.election = (this.options.elect ?? this.leaderElector)(
      () => void this.startWork(),
      () => {
        // A replica that lost the lease must not reconcile a moment longer than it has to: it stops its work
        // and exits, and is restarted as a standby.
        this.log.error('leader lease lost; stopping');
        void this.terminate(ExitCode.LeaseLost, 'leader lease lost');
      },
    );
    this.election.start();
  }

  private readonly leaderElector = (onStarted: () => void, onStopped: () => void): Election =>
    new LeaderElector(
      this.kc,
      {
        name: this.config.leaseName,
        namespace: this.config.leaseNamespace,
        identity: this.config.identity,
        leaseDurationMs: this.config.leaseDurationMs,
        renewDeadlineMs: this.config.renewDeadlineMs,
        retryPeriodMs: this.config.retryPeriodMs,
        clock: this.clock,
      },
      onStarted,
      onStopped,
      this.log,
    );

  private startWork(): Promise<void> {
    if (this.workStarted || this.stopping) return Promise.resolve();
    this.workStarted = true;
    this.starting = this.startTasksAndControllers();
    return this.starting;
  }

  private async startTasksAndControllers(): Promise<void> {
    try {
      // Background work first: controllers may depend on it (the scheduler's view of hosts, the event relay).
      for (const task of this.tasks) {
        if (this.stopping) return;
        this.startedTasks.push(task);
        await task.start();
      }
      if (this.stopping) return;
      this.controllersStarting = true;
      await Promise.all(this.controllers.map((c) => c.start()));
      this.log.info(
        { controllers: this.controllers.length, background: this.tasks.map((t) => t.name) },
        'controllers started',
      );
    } catch (err) {
      this.log.error({ err: String(err) }, 'controllers failed to start');
      void this.terminate(ExitCode.StartFailed, 'start failed');
    }
  }

  /** Graceful shutdown (SIGTERM, SIGINT); resolves once stopped, as `exited` does with 0. */
  shutdown(signal: string): Promise<void> {
    return this.terminate(ExitCode.Stopped, signal);
  }

  private terminate(code: number, why: string): Promise<void> {
    this.stopping ??= this.stopEverything(code, why);
    return this.stopping;
  }

  private async stopEverything(code: number, why: string): Promise<void> {
    // After losing the lease, another replica may lead once the lease expires for it: the time left until
    // then (lease duration minus renew deadline, at least) bounds how long work may go on here.
    const graceMs =
      code === ExitCode.LeaseLost
        ? Math.min(this.config.shutdownGraceMs, this.config.leaseDurationMs - this.config.renewDeadlineMs)
        : this.config.shutdownGraceMs;
    const deadline = this.clock.monotonic() + graceMs;
    this.log.info({ why, graceMs, exitCode: code }, 'shutting down');
    // A start under way settles (or is given up on) first, so what it started is stopped too.
    await this.until(deadline, 'the start under way', this.starting);
    if (this.controllersStarting) {
      const left = Math.max(0, deadline - this.clock.monotonic());
      await this.until(deadline, 'controllers', Promise.all(this.controllers.map((c) => c.stop(left))));
    }
    for (const task of [...this.startedTasks].reverse()) {
      await this.until(
        deadline,
        `background task ${task.name}`,
        Promise.resolve()
          .then(() => task.stop())
          .catch((err: unknown) =>
            this.log.warn({ task: task.name, err: String(err) }, 'background task did not stop cleanly'),
          ),
      );
    }
    // Released only now, so no other replica starts while this one's work is still stopping.
    await this.election
      ?.stop()
      .catch((err: unknown) => this.log.warn({ err: String(err) }, 'leader election did not stop cleanly'));
    await this.closeServer();
    process.off('SIGTERM', this.onSignal);
    process.off('SIGINT', this.onSignal);
    this.log.info({ exitCode: code }, 'stopped');
    this.resolveExited(code);
  }

  /** Waits for `work` until the monotonic `deadline`; past it, logs and goes on without it. */
  private async until(deadline: number, what: string, work: Promise<unknown> | undefined): Promise<void> {
    if (!work) return;
    let timer: unknown;
    const late = new Promise<boolean>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(false), Math.max(0, deadline - this.clock.monotonic()));
    });
    const settled = work.then(
      () => true,
      (err: unknown) => {
        this.log.warn({ what, err: String(err) }, 'failed while stopping');
        return true;
      },
    );
    const done = await Promise.race([settled, late]);
    this.clock.clearTimeout(timer);
    if (!done) this.log.warn({ what }, 'did not stop within the grace period; going on without it');
  }

  private closeServer(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      // Keep-alive connections would hold close() open.
      server.closeAllConnections();
    });
  }
}
