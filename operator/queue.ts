// A controller's work queue: keys only, de-duplicated; a key is never handed to two workers at once (a key
// added while it is being worked on runs once more afterwards); delayed adds for requeue-after and per-key
// exponential backoff; an overall token-bucket rate limit on what workers take. Delayed keys wait in one heap
// under one timer, however many there are (ten thousand settled objects each waiting for their next look
// would otherwise hold ten thousand timers).
import { Heap } from 'heap-js';
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
  /** When each delayed key is due; the heap may also hold older, later entries of a key, skipped when met. */
  private readonly delayed = new Map<string, number>();
  private readonly due = new Heap<{ at: number; key: string }>((a, b) => a.at - b.at);
  private timer: { at: number; handle: unknown } | undefined;
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
    if (this.shuttingDown) return;
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing !== undefined && existing <= at) return;
    this.delayed.set(key, at);
    this.due.push({ at, key });
    this.arm();
  }

  /** How many keys wait for a delayed add. */
  get delayedCount(): number {
    return this.delayed.size;
  }

  /** Keeps the one timer set for the earliest due key. */
  private arm(): void {
    const next = this.due.peek();
    if (next === undefined) {
      if (this.timer) this.clock.clearTimeout(this.timer.handle);
      this.timer = undefined;
      return;
    }
    if (this.timer && this.timer.at <= next.at) return;
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    const at = next.at;
    const handle = this.clock.setTimeout(() => this.fire(at), Math.max(0, at - this.clock.now()));
    this.timer = { at, handle };
  }

  private fire(at: number): void {
    if (this.timer?.at === at) this.timer = undefined;
    const now = this.clock.now();
    for (let next = this.due.peek(); next !== undefined && next.at <= now; next = this.due.peek()) {
      this.due.pop();
      // An entry replaced by an earlier add of the same key was already handled, or will be.
      if (this.delayed.get(next.key) !== next.at) continue;
      this.delayed.delete(next.key);
      this.add(next.key);
    }
    this.arm();
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
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
    this.delayed.clear();
    this.due.clear();
    this.ready.length = 0;
    this.addedAt.clear();
    while (this.waiters.length > 0) this.waiters.shift()!();
  }
}
