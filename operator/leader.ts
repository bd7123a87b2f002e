// Leader election on a Lease, after client-go: one replica reconciles; the others wait. Expiry is judged on
// this replica's monotonic clock from when it last saw the record change (lease.ts), never from the holder's
// timestamps, so skewed wall clocks cannot make two leaders. Updates carry the resourceVersion they read, so
// two candidates can never both win. Every request carries an abort signal bounded by the renew deadline, so
// a hung connection cannot hold the loop; a leader that has not renewed within the renew deadline stops
// leading at once, before the lease can expire for anyone else, and an answer that arrives after that is
// ignored. One elector runs one term: once it has lost the lease it stops campaigning. On shutdown a leader
// releases the lease so a standby takes over without waiting it out.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.ts';
import { canAcquire, observe, withinRenewDeadline, type LeaseRecord, type Observation } from './lease.ts';
import { leaderStatus } from './metrics.ts';
import { withSignal } from './request-signal.ts';

const leases = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };

interface LeaseObject {
  metadata?: { resourceVersion?: string };
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** RFC 3339 with microseconds, as the API server requires for MicroTime fields. */
export function micro(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function record(lease: LeaseObject): LeaseRecord {
  return { ...lease.spec, resourceVersion: lease.metadata?.resourceVersion };
}

export interface LeaderOptions {
  name: string;
  namespace: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Wall time for the Lease's timestamps, monotonic time for every decision; the system's by default. */
  clock?: Clock;
}

export class LeaderElector {
  private readonly api: k8s.CustomObjectsApi;
  private readonly clock: Clock;
  private observed?: Observation;
  private leading = false;
  /** Monotonic time at which the last successful acquire or renew was sent. */
  private renewedAt = 0;
  private stopped = false;
  private campaign?: Promise<void>;
  private inFlight?: AbortController;
  private retryTimer?: unknown;
  private wake?: () => void;
  private deadlineTimer?: unknown;

  constructor(
    kc: k8s.KubeConfig,
    private readonly opts: LeaderOptions,
    private readonly onStart: () => void,
    private readonly onStop: () => void,
    private readonly log: Logger,
  ) {
    // Plain JSON through the generic client: the typed client serialises MicroTime without microseconds.
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
    this.clock = opts.clock ?? systemClock;
  }

  /** True only while this replica holds a term it renewed within the renew deadline. */
  get isLeader(): boolean {
    return (
      this.leading && withinRenewDeadline(this.renewedAt, this.opts.renewDeadlineMs, this.clock.monotonic())
    );
  }

  start(): void {
    if (this.campaign || this.stopped) return;
    this.campaign = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.attempt();
      if (!this.stopped) await this.pause(this.opts.retryPeriodMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.retryTimer = this.clock.setTimeout(resolve, ms);
    });
  }

  /** One acquire-or-renew, bounded by what is left of the term it would win or extend. */
  private async attempt(): Promise<void> {
    const { renewDeadlineMs } = this.opts;
    const sentAt = this.clock.monotonic();
    const budget = this.leading ? this.renewedAt + renewDeadlineMs - sentAt : renewDeadlineMs;
    const abort = new AbortController();
    this.inFlight = abort;
    const timer = this.clock.setTimeout(
      () => abort.abort(new Error('lease request timed out')),
      Math.max(0, budget),
    );
    let won = false;
    try {
      won = await this.tryAcquireOrRenew(abort.signal);
    } catch (err) {
      this.log.warn({ err: String(abort.signal.reason ?? err) }, 'lease update failed');
    } finally {
      this.clock.clearTimeout(timer);
      this.inFlight = undefined;
    }
    // Stopped or lost while the request was out: whatever it answered cannot make this replica leader.
    if (this.stopped) return;
    if (won && withinRenewDeadline(sentAt, renewDeadlineMs, this.clock.monotonic())) {
      this.renewedAt = sentAt;
      if (!this.leading) this.becomeLeader();
    } else if (this.leading && this.observed?.holder !== this.opts.identity) {
      this.loseLeadership(`the lease is held by ${this.observed?.holder ?? 'nobody'}`);
      return;
    }
    // A leader that failed to renew keeps its term, and retries, until the renew deadline ends it.
    this.checkTerm();
  }

  /** Ends the term once the renew deadline has passed; until then, makes sure a timer will look again. */
  private checkTerm(): void {
    if (!this.leading) return;
    if (!this.isLeader) {
      this.loseLeadership('could not renew the lease within the renew deadline');
      return;
    }
    if (this.deadlineTimer !== undefined) this.clock.clearTimeout(this.deadlineTimer);
    // Timers may fire a little early by the monotonic clock: checkTerm runs again until the term is over.
    const left = this.renewedAt + this.opts.renewDeadlineMs - this.clock.monotonic();
    this.deadlineTimer = this.clock.setTimeout(() => this.checkTerm(), Math.max(1, Math.ceil(left)));
  }

  private becomeLeader(): void {
    this.leading = true;
    leaderStatus.set({ lease: this.opts.name }, 1);
    this.log.info({ identity: this.opts.identity, lease: this.opts.name }, 'became leader');
    this.onStart();
  }

  private loseLeadership(why: string): void {
    this.leading = false;
    this.halt();
    leaderStatus.set({ lease: this.opts.name }, 0);
    this.log.warn({ identity: this.opts.identity, why }, 'lost leadership; stopping work');
    this.onStop();
  }

  /** Ends the campaign: no more attempts, the one in flight abandoned. */
  private halt(): void {
    this.stopped = true;
    this.inFlight?.abort(new Error('leader election stopped'));
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    if (this.deadlineTimer !== undefined) this.clock.clearTimeout(this.deadlineTimer);
    this.wake?.();
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { name, namespace, identity } = this.opts;
    const options = withSignal(signal);
    const now = new Date(this.clock.now());
    const durationSeconds = Math.ceil(this.opts.leaseDurationMs / 1000);
    let lease: LeaseObject | undefined;
    try {
      lease = (await this.api.getNamespacedCustomObject(
        { ...leases, name, namespace },
        options,
      )) as LeaseObject;
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
    if (!lease) {
      const created = (await this.api.createNamespacedCustomObject(
        {
          ...leases,
          namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: micro(now),
              renewTime: micro(now),
              leaseTransitions: 0,
            },
          },
        },
        options,
      )) as LeaseObject;
      this.observed = observe(this.observed, record(created), this.clock.monotonic());
      return true;
    }
    // Observed when the answer arrived: the record may have been written after the request left.
    this.observed = observe(this.observed, record(lease), this.clock.monotonic());
    if (!canAcquire(this.observed, identity, this.clock.monotonic())) return false;
    const spec = lease.spec ?? {};
    const changingHands = spec.holderIdentity !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: micro(now),
      ...(changingHands
        ? { acquireTime: micro(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }
        : {}),
    };
    // replace sends metadata.resourceVersion, so a concurrent writer gets 409 and nobody is overwritten.
    try {
      const replaced = (await this.api.replaceNamespacedCustomObject(
        { ...leases, name, namespace, body: lease },
        options,
      )) as LeaseObject;
      this.observed = observe(this.observed, record(replaced), this.clock.monotonic());
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 409) return false;
      throw err;
    }
  }

  /** Stops campaigning and, if leading, hands the lease back. */
  async stop(): Promise<void> {
    const wasLeading = this.leading;
    this.leading = false;
    this.halt();
    await this.campaign;
    if (!wasLeading) return;
    leaderStatus.set({ lease: this.opts.name }, 0);
    const abort = new AbortController();
    const timer = this.clock.setTimeout(
      () => abort.abort(new Error('lease release timed out')),
      this.opts.renewDeadlineMs,
    );
    try {
      const where = { ...leases, name: this.opts.name, namespace: this.opts.namespace };
      const options = withSignal(abort.signal);
      const lease = (await this.api.getNamespacedCustomObject(where, options)) as LeaseObject;
      if (lease.spec?.holderIdentity === this.opts.identity) {
        // No holder: free at once for every replica, whatever its clock says.
        lease.spec = {
          ...lease.spec,
          holderIdentity: null,
          leaseDurationSeconds: 1,
          renewTime: micro(new Date(this.clock.now())),
        };
        await this.api.replaceNamespacedCustomObject({ ...where, body: lease }, options);
      }
    } catch (err) {
      this.log.warn({ err: String(abort.signal.reason ?? err) }, 'could not release the lease');
    } finally {
      this.clock.clearTimeout(timer);
    }
  }
}
