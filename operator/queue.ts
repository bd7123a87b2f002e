// A controller's work queue: keys only, de-duplicated; a key is never handed to two workers at once (a key
// added while it is being worked on runs once more afterwards); delayed adds for requeue-after and per-key
// exponential backoff; an overall token-bucket rate limit on what workers take.
import { backoffDelay, TokenBucket } from './backoff.ts';
import { systemClock, type Clock } from './clock.ts';

export interface QueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  ratePerSecond?: number;
  burst?: number;
  clock?: Clock;
}

export interface QueueObserver {
  depth?(n: number): void;
  latency?(ms: number): void;
  retry?(): void;
}

export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly addedAt = new Map<string, number>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private readonly waiters: (() => void)[] = [];
  private readonly bucket: TokenBucket;
  private readonly clock: Clock;
  private shuttingDown = false;

  constructor(
    private readonly opts: QueueOptions = {},
    private readonly observer: QueueObserver = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.bucket = new TokenBucket(opts.ratePerSecond ?? 50, opts.burst ?? 200, this.clock.now());
  }

  get length(): number {
    return this.ready.length;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.addedAt.has(key)) return;
    this.addedAt.set(key, this.clock.now());
    this.ready.push(key);
    this.observer.depth?.(this.ready.length);
    this.waiters.shift()?.();
  }

  /** Adds the key after `ms`; an earlier pending add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.clock.clearTimeout(existing.handle);
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Re-adds a failed key after its exponential backoff; returns the delay. */
  addRateLimited(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = backoffDelay(n, this.opts.baseDelayMs ?? 100, this.opts.maxDelayMs ?? 300_000);
    this.observer.retry?.();
    this.addAfter(key, delay);
    return delay;
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Clears a key's backoff after a success. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Waits for a key the rate limit allows; resolves undefined once the queue shuts down and is drained. */
  async get(): Promise<string | undefined> {
    for (;;) {
      if (this.ready.length > 0) {
        const wait = this.bucket.take(this.clock.now());
        if (wait > 0) {
          await new Promise<void>((r) => this.clock.setTimeout(r, wait));
          continue;
        }
        const key = this.ready.shift()!;
        const added = this.addedAt.get(key) ?? this.clock.now();
        this.addedAt.delete(key);
        this.processing.add(key);
        this.observer.depth?.(this.ready.length);
        this.observer.latency?.(this.clock.now() - added);
        return key;
      }
      if (this.shuttingDown) return undefined;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Marks a key finished; if it was added meanwhile, it goes back on the queue. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Stops taking new keys; workers drain what is ready and then get undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { handle } of this.delayed.values()) this.clock.clearTimeout(handle);
    this.delayed.clear();
    this.ready.length = 0;
    this.addedAt.clear();
    while (this.waiters.length > 0) this.waiters.shift()!();
  }
}
