// Runs controllers in one process: the health and metrics server, leader election, and graceful shutdown
// (stop taking work, finish in-flight reconciles within a deadline, release the lease, exit).
import type http from 'node:http';
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from './config.ts';
import type { Controller } from './controller.ts';
import { startHttpServer } from './http.ts';
import { LeaderElector } from './leader.ts';

/** Work beside the controllers that only the active replica does (relays, consumers, periodic jobs). */
export interface BackgroundTask {
  name: string;
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

export class Manager {
  private readonly controllers: Controller<k8s.KubernetesObject>[] = [];
  private readonly tasks: BackgroundTask[] = [];
  private readonly startedTasks: BackgroundTask[] = [];
  private elector?: LeaderElector;
  private server?: http.Server;
  private running = false;
  private stopping = false;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly config: OperatorConfig,
    private readonly log: Logger,
  ) {}

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

  async start(): Promise<void> {
    this.server = await startHttpServer(this.config.httpPort, {
      live: () => !this.stopping,
      ready: () => {
        if (this.stopping) return { ok: false, detail: 'shutting down' };
        if (!this.running) return { ok: true, detail: 'standby: waiting for the leader lease' };
        const synced = this.controllers.every((c) => c.hasSynced);
        return { ok: synced, detail: synced ? 'leader: caches synced' : 'leader: caches syncing' };
      },
    });
    process.once('SIGTERM', () => void this.shutdown('SIGTERM'));
    process.once('SIGINT', () => void this.shutdown('SIGINT'));
    if (!this.config.leaderElection) return this.startControllers();
    this.elector = new LeaderElector(
      this.kc,
      {
        name: this.config.leaseName,
        namespace: this.config.leaseNamespace,
        identity: this.config.identity,
        leaseDurationMs: this.config.leaseDurationMs,
        renewDeadlineMs: this.config.renewDeadlineMs,
        retryPeriodMs: this.config.retryPeriodMs,
      },
      () => void this.startControllers(),
      () => {
        // A replica that lost the lease must not reconcile a moment longer; reconciles are idempotent, so
        // exiting mid-reconcile is safe, and the process is restarted as a standby.
        this.log.error('leader lease lost; exiting');
        process.exit(2);
      },
      this.log,
    );
    this.elector.start();
  }

  private async startControllers(): Promise<void> {
    if (this.running || this.stopping) return;
    this.running = true;
    try {
      // Background work first: controllers may depend on it (the scheduler's view of hosts, the event relay).
      for (const task of this.tasks) {
        await task.start();
        this.startedTasks.push(task);
      }
      await Promise.all(this.controllers.map((c) => c.start()));
      this.log.info(
        { controllers: this.controllers.length, background: this.tasks.map((t) => t.name) },
        'controllers started',
      );
    } catch (err) {
      this.log.error({ err: String(err) }, 'controllers failed to start');
      process.exit(1);
    }
  }

  async shutdown(signal: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ signal, graceMs: this.config.shutdownGraceMs }, 'shutting down');
    await Promise.all(this.controllers.map((c) => c.stop(this.config.shutdownGraceMs)));
    await Promise.all(
      this.startedTasks.map((t) =>
        t
          .stop()
          .catch((err: unknown) =>
            this.log.warn({ task: t.name, err: String(err) }, 'background task did not stop cleanly'),
          ),
      ),
    );
    await this.elector?.stop();
    await new Promise((r) => this.server?.close(r) ?? r(undefined));
    this.log.info('stopped');
    process.exit(0);
  }
}
