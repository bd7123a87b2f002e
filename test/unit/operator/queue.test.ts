// The work queue: de-duplication, one reconcile per key at a time, backoff, requeue-after, rate limit.
import assert from 'node:assert/strict';
import { WorkQueue } from '../../../operator/queue.ts';
import { backoffDelay, TokenBucket } from '../../../operator/backoff.ts';
import { ManualClock } from './fake-clock.ts';

describe('WorkQueue', () => {
  it('de-duplicates keys that are waiting', async () => {
    const q = new WorkQueue({ ratePerSecond: 1000, burst: 1000 });
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
  });

  it('never hands out a key that is being processed; a re-add runs once afterwards', async () => {
    const q = new WorkQueue({ ratePerSecond: 1000, burst: 1000 });
    q.add('a');
    const key = await q.get();
    assert.equal(key, 'a');
    q.add('a');
    q.add('a');
    assert.equal(q.length, 0, 'a key in progress must not be queued again');
    q.done('a');
    assert.equal(q.length, 1, 'the re-add runs exactly once more');
    assert.equal(await q.get(), 'a');
    q.done('a');
    assert.equal(q.length, 0);
  });

  it('runs at most one reconcile per key at once under many concurrent workers and adds', async () => {
    const q = new WorkQueue({ ratePerSecond: 1e6, burst: 1e6 });
    const active = new Set<string>();
    let overlaps = 0;
    let runs = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const key = await q.get();
        if (key === undefined) return;
        if (active.has(key)) overlaps++;
        active.add(key);
        runs++;
        await new Promise((r) => setImmediate(r));
        if (Math.random() < 0.3) q.add(key);
        active.delete(key);
        q.done(key);
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    for (let i = 0; i < 2000; i++) {
      q.add(`k${i % 7}`);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    // Until the workers have drained the queue (each run re-adds its key with probability 0.3, so it ends).
    for (let turns = 0; q.length > 0 || active.size > 0; turns++) {
      assert.ok(turns < 1_000_000, 'the queue never drained');
      await new Promise((r) => setImmediate(r));
    }
    q.shutDown();
    await Promise.all(workers);
    assert.equal(overlaps, 0);
    assert.ok(runs >= 7, `only ${runs} runs`);
  });

  it('backs off exponentially per key, capped, and resets on forget', () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000, clock });
    const delays = [1, 2, 3, 4, 5, 6].map(() => q.addRateLimited('x'));
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
    assert.equal(q.failureCount('x'), 6);
    q.forget('x');
    assert.equal(q.addRateLimited('x'), 100);
    assert.equal(q.addRateLimited('y'), 100, 'backoff is per key');
  });

  it('adds a key after its requeue delay, keeping the earliest of two', () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock });
    q.addAfter('a', 500);
    q.addAfter('a', 2000);
    assert.deepEqual(clock.pending(), [500]);
    q.addAfter('a', 100);
    assert.deepEqual(clock.pending(), [100]);
    clock.advance(99);
    assert.equal(q.length, 0);
    clock.advance(1);
    assert.equal(q.length, 1);
  });

  it('holds ten thousand delayed keys under one timer and adds each when due, in order', () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, ratePerSecond: 1e9, burst: 1e9 });
    for (let i = 0; i < 10_000; i++) q.addAfter(`k${i}`, 1000 + (i % 100) * 10);
    assert.equal(clock.pending().length, 1, 'one timer, however many keys wait');
    assert.deepEqual(clock.pending(), [1000]);
    assert.equal(q.delayedCount, 10_000);
    clock.advance(1000);
    assert.equal(q.length, 100, 'the keys due at 1000 ms');
    assert.deepEqual(clock.pending(), [10], 'the timer moves on to the next due key');
    clock.advance(990);
    assert.equal(q.length, 10_000);
    assert.equal(q.delayedCount, 0);
    assert.deepEqual(clock.pending(), [], 'no timer once nothing waits');
  });

  it('moves a delayed key earlier without adding it twice, and adds a later key after an earlier one', () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock });
    q.addAfter('late', 300);
    q.addAfter('a', 1000);
    q.addAfter('a', 200);
    assert.deepEqual(clock.pending(), [200]);
    clock.advance(200);
    assert.equal(q.length, 1);
    clock.advance(100);
    assert.equal(q.length, 2, 'late is added at 300 ms');
    clock.advance(700);
    assert.equal(q.length, 2, "a's replaced 1000 ms entry adds nothing");
    assert.deepEqual(clock.pending(), []);
  });

  it('clears every delayed key and its timer on shutdown', () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock });
    for (let i = 0; i < 50; i++) q.addAfter(`k${i}`, 100 + i);
    q.shutDown();
    assert.deepEqual(clock.pending(), []);
    q.addAfter('after', 10);
    assert.deepEqual(clock.pending(), [], 'nothing is delayed after shutdown');
    assert.equal(q.delayedCount, 0);
  });

  it('limits the overall rate with a token bucket', () => {
    const bucket = new TokenBucket(10, 2, 0);
    assert.equal(bucket.take(0), 0);
    assert.equal(bucket.take(0), 0);
    assert.equal(bucket.take(0), 100, 'empty: the next token comes in 1/10 s');
    assert.equal(bucket.take(100), 0);
    assert.equal(bucket.take(100), 100);
  });

  it('gives waiting workers undefined after shutdown', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    assert.equal(await waiting, undefined);
    q.add('late');
    assert.equal(q.length, 0);
  });

  it('computes backoff delays', () => {
    assert.equal(backoffDelay(0, 5, 100), 0);
    assert.equal(backoffDelay(1, 5, 100), 5);
    assert.equal(backoffDelay(5, 5, 100), 80);
    assert.equal(backoffDelay(60, 5, 100), 100);
  });
});
