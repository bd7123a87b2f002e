// A controller: an informer over one kind (plus label-selected informers over the kinds it owns, which wake
// the owner), a work queue of keys, and workers that read the object from the cache and call reconcile.
// Its own status writes do not wake it (see change-filter.ts). Every reconcile runs under a deadline: its
// context carries an AbortSignal that fires then, and a reconcile still running past it frees its worker
// (the key stays busy until it really ends, so one key never has two reconciles at once).
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorClass, retryAfterOf, type Action } from './action.ts';
import { ChangeFilter } from './change-filter.ts';
import { systemClock, type Clock } from './clock.ts';
import type { EventRecorder } from './events.ts';
import { objectKey, ResilientInformer, splitKey, type ResourceRef } from './informer.ts';
import {
  queueDepth,
  queueLatency,
  queueRetries,
  reconcileDuration,
  reconcileOverdue,
  reconcileTotal,
} from './metrics.ts';
import { WorkQueue } from './queue.ts';

export interface ReconcileContext<T extends k8s.KubernetesObject> {
  kc: k8s.KubeConfig;
  log: Logger;
  clock: Clock;
  events: EventRecorder;
  cache: ResilientInformer<T>;
  /** Fires when this reconcile's deadline passes: pass it to calls that take one. */
  signal: AbortSignal;
}

/** A kind this controller owns: its changes wake the owner. Select by label what the owner labels. */
export interface OwnedResource extends ResourceRef {
  labelSelector?: string;
}

export interface ControllerSpec<T extends k8s.KubernetesObject> {
  name: string;
  resource: ResourceRef;
  owns?: OwnedResource[];
  workers?: number;
  resyncMs?: number;
  /** Overall rate at which workers take keys (a token bucket); 50 per second by default. */
  ratePerSecond?: number;
  /** How long one reconcile may run before its signal fires and its worker moves on; 120 s by default. */
  reconcileTimeoutMs?: number;
  reconcile(obj: T, ctx: ReconcileContext<T>): Promise<Action>;
  /** Called when reconcile throws a TerminalError: record it on the object; it is not retried. */
  onTerminalError?(obj: T, err: Error, ctx: ReconcileContext<T>): Promise<void>;
}

export class Controller<T extends k8s.KubernetesObject> {
  readonly queue: WorkQueue;
  readonly cache: ResilientInformer<T>;
  private readonly owned: ResilientInformer<k8s.KubernetesObject>[];
  private readonly ctx: Omit<ReconcileContext<T>, 'signal'>;
  private readonly changes = new ChangeFilter();
  private readonly inFlight = new Set<Promise<void>>();
  private workers: Promise<void>[] = [];
  private resync?: NodeJS.Timeout;

  constructor(
    private readonly spec: ControllerSpec<T>,
    kc: k8s.KubeConfig,
    log: Logger,
    events: EventRecorder,
    clock: Clock = systemClock,
  ) {
    const name = spec.name;
    this.queue = new WorkQueue(
      {
        clock,
        ratePerSecond: spec.ratePerSecond,
        burst: spec.ratePerSecond ? spec.ratePerSecond * 4 : undefined,
      },
      {
        depth: (n) => queueDepth.set({ controller: name }, n),
        latency: (ms) => queueLatency.observe({ controller: name }, ms / 1000),
        retry: () => queueRetries.inc({ controller: name }),
      },
    );
    const clog = log.child({ controller: name });
    this.cache = new ResilientInformer<T>(
      kc,
      spec.resource,
      (obj, kind) => {
        const key = objectKey(obj);
        if (kind === 'delete') this.changes.forget(key);
        if (kind === 'delete' || this.changes.changed(key, obj)) this.queue.add(key);
      },
      clog,
    );
    this.owned = (spec.owns ?? []).map(
      (ref) =>
        new ResilientInformer(kc, ref, (obj) => this.enqueueOwner(obj), clog.child({ owned: ref.plural }), {
          labelSelector: ref.labelSelector,
        }),
    );
    this.ctx = { kc, log: clog, clock, events, cache: this.cache };
  }

  private enqueueOwner(obj: k8s.KubernetesObject): void {
    for (const ref of obj.metadata?.ownerReferences ?? []) {
      if (ref.kind !== this.spec.resource.kind || ref.apiVersion !== this.spec.resource.apiVersion) continue;
      const ns = this.spec.resource.namespaced ? obj.metadata?.namespace : undefined;
      this.queue.add(ns ? `${ns}/${ref.name}` : ref.name);
    }
  }

  /** The owned kinds' caches, in the order of `owns`, for cross-kind reads without an API call. */
  get ownedCaches(): readonly ResilientInformer<k8s.KubernetesObject>[] {
    return this.owned;
  }

  get hasSynced(): boolean {
    return this.cache.hasSynced && this.owned.every((i) => i.hasSynced);
  }

  async start(): Promise<void> {
    await Promise.all([this.cache.start(), ...this.owned.map((i) => i.start())]);
    const resyncMs = this.spec.resyncMs ?? 600_000;
    this.resync = setInterval(() => this.cache.list().forEach((o) => this.queue.add(objectKey(o))), resyncMs);
    this.resync.unref();
    const n = this.spec.workers ?? 2;
    this.workers = Array.from({ length: n }, () => this.work());
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const timeoutMs = this.spec.reconcileTimeoutMs ?? 120_000;
      const signal = AbortSignal.timeout(timeoutMs);
      const run = this.process(key, signal).finally(() => {
        this.inFlight.delete(run);
        this.queue.done(key);
      });
      this.inFlight.add(run);
      const finished = await Promise.race([
        run.then(() => true),
        // A little after the signal, so a reconcile that honours it ends by itself first.
        new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs + 1_000).unref()),
      ]);
      if (!finished) {
        reconcileOverdue.inc({ controller: this.spec.name });
        this.ctx.log.error(
          { key, timeoutMs },
          'reconcile passed its deadline; its worker moves on and the key waits until it ends',
        );
      }
    }
  }

  private async process(key: string, signal: AbortSignal): Promise<void> {
    const { namespace, name } = splitKey(key);
    const obj = this.cache.get(name, namespace);
    if (!obj) {
      this.queue.forget(key);
      return;
    }
    const end = reconcileDuration.startTimer({ controller: this.spec.name });
    try {
      const action = await this.spec.reconcile(obj, { ...this.ctx, signal });
      if (action.requeueAfterMs !== undefined) {
        reconcileTotal.inc({ controller: this.spec.name, result: 'requeue' });
        this.queue.forget(key);
        this.queue.addAfter(key, action.requeueAfterMs);
      } else {
        reconcileTotal.inc({ controller: this.spec.name, result: 'success' });
        this.queue.forget(key);
      }
    } catch (err) {
      const kind = errorClass(err);
      reconcileTotal.inc({ controller: this.spec.name, result: kind });
      if (kind === 'terminal') {
        this.queue.forget(key);
        this.ctx.log.warn({ key, err: (err as Error).message }, 'reconcile failed terminally; not retrying');
        await this.spec.onTerminalError?.(obj, err as Error, { ...this.ctx, signal }).catch(() => undefined);
      } else if (kind === 'throttled') {
        const delay = retryAfterOf(err)!;
        this.queue.addAfter(key, delay);
        this.ctx.log.debug({ key, retryInMs: delay }, 'throttled; requeued after the wait asked for');
      } else {
        const delay = this.queue.addRateLimited(key);
        const level = kind === 'conflict' ? 'debug' : 'warn';
        this.ctx.log[level](
          { key, err: String((err as Error).message ?? err), retryInMs: delay },
          'reconcile failed; retrying',
        );
      }
    } finally {
      end();
    }
  }

  /** Stops taking keys and waits for in-flight reconciles, at most `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.resync) clearInterval(this.resync);
    this.queue.shutDown();
    const drained = Promise.all([...this.inFlight, ...this.workers]);
    await Promise.race([drained, new Promise((r) => setTimeout(r, graceMs).unref())]);
    await Promise.all([this.cache.stop(), ...this.owned.map((i) => i.stop())]);
  }
}
