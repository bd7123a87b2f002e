// A controller: an informer over one kind (plus label-selected informers over the kinds it owns, which wake
// the owner), a work queue of keys, and workers that read the object from the cache and call reconcile.
// Its own status writes do not wake it (see change-filter.ts). Every reconcile runs under a deadline: its
// context carries an AbortSignal that fires then, and a reconcile still running past it frees its worker
// (the key stays busy until it really ends, so one key never has two reconciles at once).
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorClass, retryAfterOf, type Action, type TerminalError } from './action.ts';
import { ChangeFilter } from './change-filter.ts';
import { groupVersion } from './finalizer.ts';
import { syncedCondition, syncedPatch, type FailureDescription, type ReconcileOutcome } from './synced.ts';
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
  /**
   * Tells the runtime what a write of this reconcile to its own object returned: that change does not wake the
   * object again, and Synced is judged against it rather than against a cache that has not seen it yet.
   */
  wrote(obj: k8s.KubernetesObject): void;
}

/** A kind this controller owns: its changes wake the owner. Select by label what the owner labels. */
export interface OwnedResource extends ResourceRef {
  labelSelector?: string;
}

/**
 * A kind whose changes concern objects of this controller without owning them (a Network's address usage
 * follows its Computes), or this controller's own kind for what one object's change means to others of it.
 */
export interface Watch<T extends k8s.KubernetesObject> {
  resource: ResourceRef;
  /** The keys to reconcile when `obj` changes (or goes); `cache` is this controller's own, to read from. */
  keysFor(obj: k8s.KubernetesObject, cache: ResilientInformer<T>): string[];
  /**
   * Wake the keys this long after the change rather than at once, so a burst of changes (a hundred Computes
   * placed in one network) costs one reconcile of the key, not one each.
   */
  coalesceMs?: number;
}

export interface ControllerSpec<T extends k8s.KubernetesObject> {
  name: string;
  resource: ResourceRef;
  owns?: OwnedResource[];
  watches?: Watch<T>[];
  workers?: number;
  resyncMs?: number;
  /** Overall rate at which workers take keys (a token bucket); 50 per second by default. */
  ratePerSecond?: number;
  /** How long one reconcile may run before its signal fires and its worker moves on; 120 s by default. */
  reconcileTimeoutMs?: number;
  reconcile(obj: T, ctx: ReconcileContext<T>): Promise<Action>;
  /** How a failed reconcile reads in the Synced condition; by default a generic ReconcileError. */
  describeFailure?: FailureDescription;
  /** Called when reconcile throws a TerminalError: record it on the object; it is not retried. */
  onTerminalError?(obj: T, err: Error, ctx: ReconcileContext<T>): Promise<void>;
}

export class Controller<T extends k8s.KubernetesObject> {
  readonly queue: WorkQueue;
  readonly cache: ResilientInformer<T>;
  private readonly owned: ResilientInformer<k8s.KubernetesObject>[];
  private readonly ctx: Omit<ReconcileContext<T>, 'signal' | 'wrote'>;
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
    const sameKind = (w: Watch<T>) =>
      w.resource.apiVersion === spec.resource.apiVersion && w.resource.plural === spec.resource.plural;
    const wake = (w: Watch<T>, obj: k8s.KubernetesObject) => {
      for (const key of w.keysFor(obj, this.cache)) this.queue.addAfter(key, w.coalesceMs ?? 0);
    };
    this.cache = new ResilientInformer<T>(
      kc,
      spec.resource,
      (obj, kind) => {
        const key = objectKey(obj);
        if (kind === 'delete') this.changes.forget(key);
        if (kind === 'delete' || this.changes.changed(key, obj)) this.queue.add(key);
        // Watches of this very kind read its one informer rather than a second copy of it.
        for (const w of spec.watches ?? []) if (sameKind(w)) wake(w, obj);
      },
      clog,
    );
    this.owned = [
      ...(spec.owns ?? []).map(
        (ref) =>
          new ResilientInformer(kc, ref, (obj) => this.enqueueOwner(obj), clog.child({ owned: ref.plural }), {
            labelSelector: ref.labelSelector,
          }),
      ),
      ...(spec.watches ?? [])
        .filter((w) => !sameKind(w))
        .map(
          (w) =>
            new ResilientInformer(
              kc,
              w.resource,
              (obj) => wake(w, obj),
              clog.child({ watched: w.resource.plural }),
            ),
        ),
    ];
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
        void this.recordSynced(key, undefined, { kind: 'timeout', timeoutMs });
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
    let outcome: ReconcileOutcome | undefined;
    let latest: k8s.KubernetesObject = obj;
    const wrote = (written: k8s.KubernetesObject) => {
      latest = written;
      this.changes.changed(key, written);
    };
    try {
      const action = await this.spec.reconcile(obj, { ...this.ctx, signal, wrote });
      outcome = { kind: 'success' };
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
      outcome = this.failureOutcome(kind, err);
      if (kind === 'terminal') {
        this.queue.forget(key);
        this.ctx.log.warn({ key, err: (err as Error).message }, 'reconcile failed terminally; not retrying');
        // The problem must reach the object: a write that failed (a stale read answered 409, an outage) is
        // tried again with backoff, though the reconcile itself is not.
        await this.spec
          .onTerminalError?.(obj, err as Error, { ...this.ctx, signal, wrote })
          .catch((recordErr: unknown) => {
            const delay = this.queue.addRateLimited(key);
            this.ctx.log.debug(
              { key, err: String(recordErr), retryInMs: delay },
              'could not record the problem; retrying',
            );
          });
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
    if (outcome && !obj.metadata?.deletionTimestamp)
      await this.recordSynced(key, obj.metadata?.generation, outcome, latest === obj ? undefined : latest);
  }

  private failureOutcome(kind: ReturnType<typeof errorClass>, err: unknown): ReconcileOutcome | undefined {
    if (kind === 'conflict') return undefined; // a lost race, retried at once: nothing to tell
    if (kind === 'throttled') return { kind: 'throttled', retryInMs: retryAfterOf(err)! };
    if (kind === 'terminal')
      return { kind: 'failed', reason: (err as TerminalError).reason, message: (err as Error).message };
    const described = this.spec.describeFailure?.(err);
    return {
      kind: 'failed',
      reason: described?.reason ?? 'ReconcileError',
      message: described?.message ?? 'the reconcile failed; the operator log has the details',
    };
  }

  /**
   * Writes Synced when it changed, judged against what the reconcile's own last write returned (else the cache);
   * a refused patch is tried once more on the object read afresh.
   */
  private async recordSynced(
    key: string,
    generation: number | undefined,
    outcome: ReconcileOutcome,
    written?: k8s.KubernetesObject,
  ): Promise<void> {
    const { namespace, name } = splitKey(key);
    const input = syncedCondition(outcome);
    const now = new Date(this.ctx.clock.now());
    const { group, version } = groupVersion(this.spec.resource);
    const api = this.ctx.kc.makeApiClient(k8s.CustomObjectsApi);
    const where = { group, version, plural: this.spec.resource.plural, name };
    let target: k8s.KubernetesObject | undefined = written ?? this.cache.get(name, namespace);
    for (let attempt = 0; attempt < 2 && target; attempt++) {
      const patch = syncedPatch(target, input, now, generation ?? target.metadata?.generation);
      if (!patch) return;
      const options = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
      try {
        if (namespace)
          await api.patchNamespacedCustomObjectStatus({ ...where, namespace, body: patch }, options);
        else await api.patchClusterCustomObjectStatus({ ...where, body: patch }, options);
        return;
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code !== 409 && code !== 422) {
          this.ctx.log.debug({ key, err: String(err) }, 'could not record Synced; the next reconcile will');
          return;
        }
        target = (await (
          namespace
            ? api.getNamespacedCustomObject({ ...where, namespace })
            : api.getClusterCustomObject(where)
        ).catch(() => undefined)) as k8s.KubernetesObject | undefined;
      }
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
