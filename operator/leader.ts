// Leader election on a Lease: one replica reconciles; the others wait. Updates carry the resourceVersion
// they read, so two candidates can never both win. A leader that cannot renew within the renew deadline
// stops leading at once; on shutdown it releases the lease so a standby takes over without waiting it out.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { canAcquire } from './lease.ts';
import { leaderStatus } from './metrics.ts';

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

export interface LeaderOptions {
  name: string;
  namespace: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export class LeaderElector {
  private readonly api: k8s.CustomObjectsApi;
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    kc: k8s.KubeConfig,
    private readonly opts: LeaderOptions,
    private readonly onStart: () => void,
    private readonly onStop: () => void,
    private readonly log: Logger,
  ) {
    // Plain JSON through the generic client: the typed client serialises MicroTime without microseconds.
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  private schedule(): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.opts.retryPeriodMs);
  }

  private async tick(): Promise<void> {
    try {
      if (await this.tryAcquireOrRenew()) {
        this.lastRenew = Date.now();
        if (!this.leading) this.becomeLeader();
      } else if (this.leading) {
        this.loseLeadership('another replica holds the lease');
      }
    } catch (err) {
      this.log.warn({ err: String(err) }, 'lease update failed');
    }
    if (this.leading && Date.now() - this.lastRenew > this.opts.renewDeadlineMs) {
      this.loseLeadership('could not renew the lease within the renew deadline');
    }
    this.schedule();
  }

  private becomeLeader(): void {
    this.leading = true;
    leaderStatus.set({ lease: this.opts.name }, 1);
    this.log.info({ identity: this.opts.identity, lease: this.opts.name }, 'became leader');
    this.onStart();
  }

  private loseLeadership(why: string): void {
    this.leading = false;
    leaderStatus.set({ lease: this.opts.name }, 0);
    this.log.warn({ identity: this.opts.identity, why }, 'lost leadership; stopping work');
    this.onStop();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity } = this.opts;
    const now = new Date();
    const durationSeconds = Math.ceil(this.opts.leaseDurationMs / 1000);
    let lease: LeaseObject | undefined;
    try {
      lease = (await this.api.getNamespacedCustomObject({ ...leases, name, namespace })) as LeaseObject;
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
    if (!lease) {
      await this.api.createNamespacedCustomObject({
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
      });
      return true;
    }
    const spec = lease.spec ?? {};
    if (!canAcquire(spec, identity, now.getTime())) return false;
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
      await this.api.replaceNamespacedCustomObject({ ...leases, name, namespace, body: lease });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 409) return false;
      throw err;
    }
  }

  /** Stops campaigning and, if leading, hands the lease back. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    leaderStatus.set({ lease: this.opts.name }, 0);
    try {
      const where = { ...leases, name: this.opts.name, namespace: this.opts.namespace };
      const lease = (await this.api.getNamespacedCustomObject(where)) as LeaseObject;
      if (lease.spec?.holderIdentity === this.opts.identity) {
        lease.spec = { ...lease.spec, holderIdentity: null, renewTime: micro(new Date(0)) };
        await this.api.replaceNamespacedCustomObject({ ...where, body: lease });
      }
    } catch (err) {
      this.log.warn({ err: String(err) }, 'could not release the lease');
    }
  }
}
