// Leader election decisions on a replica's own monotonic clock: expiry counted from when this replica saw
// the record change, the holder's timestamps never consulted (so a skewed holder changes nothing), and a
// leader's renew deadline ending its term before any observer may take the lease.
import assert from 'node:assert/strict';
import {
  canAcquire,
  leaseExpired,
  observe,
  withinRenewDeadline,
  type LeaseRecord,
} from '../../../operator/lease.ts';
import { micro } from '../../../operator/leader.ts';
import { ManualClock } from './fake-clock.ts';

const minute = 60_000;

/** The record a holder whose wall clock reads `wall` writes when it renews. */
function renewedBy(holder: string, wall: number, resourceVersion: string): LeaseRecord {
  return {
    holderIdentity: holder,
    renewTime: micro(new Date(wall)),
    leaseDurationSeconds: 3,
    resourceVersion,
  };
}

describe('lease expiry on the local monotonic clock', () => {
  it('counts the lease duration from when this replica saw the record change', () => {
    const clock = new ManualClock();
    clock.advance(50_000);
    const seen = observe(undefined, renewedBy('a', clock.now(), '1'), clock.monotonic());
    clock.advance(2_999);
    assert.ok(!leaseExpired(seen, clock.monotonic()));
    assert.ok(!canAcquire(seen, 'b', clock.monotonic()));
    clock.advance(1);
    assert.ok(leaseExpired(seen, clock.monotonic()));
    assert.ok(canAcquire(seen, 'b', clock.monotonic()));
  });

  it('a first sighting of an old record still waits a whole lease duration', () => {
    // The record was renewed long ago by the holder's reckoning; this replica has only just seen it.
    const seen = observe(undefined, renewedBy('a', Date.parse('2020-01-01T00:00:00Z'), '7'), 1_000);
    assert.ok(!canAcquire(seen, 'b', 1_000));
    assert.ok(!canAcquire(seen, 'b', 3_999));
    assert.ok(canAcquire(seen, 'b', 4_000));
  });

  it('re-reading an unchanged record does not restart the clock; any change does', () => {
    const first = observe(undefined, renewedBy('a', 0, '1'), 0);
    const again = observe(first, renewedBy('a', 0, '1'), 2_000);
    assert.equal(again.observedAt, 0);
    assert.ok(canAcquire(again, 'b', 3_000));
    const renewed = observe(again, renewedBy('a', 500, '2'), 2_500);
    assert.equal(renewed.observedAt, 2_500);
    assert.ok(!canAcquire(renewed, 'b', 3_000));
    // A write that changes only the resourceVersion (the holder's clock unchanged) is a change too.
    const rewritten = observe(renewed, renewedBy('a', 500, '3'), 5_000);
    assert.equal(rewritten.observedAt, 5_000);
  });

  for (const [label, skewMs] of [
    ['ten minutes ahead', 10 * minute],
    ['ten minutes behind', -10 * minute],
    ['a day ahead', 24 * 60 * minute],
    ['in step', 0],
  ] as const) {
    it(`decides the same when the holder's wall clock is ${label}`, () => {
      const holder = new ManualClock();
      holder.skewWall(skewMs);
      const standby = new ManualClock();
      standby.advance(100_000);
      let seen = observe(undefined, renewedBy('a', holder.now(), '1'), standby.monotonic());
      // The holder renews every second; the standby, reading every half second, never may take over.
      for (let i = 1; i <= 20; i++) {
        holder.advance(500);
        standby.advance(500);
        const rv = String(1 + Math.floor(i / 2));
        seen = observe(seen, renewedBy('a', holder.now(), rv), standby.monotonic());
        assert.ok(!canAcquire(seen, 'b', standby.monotonic()), `step ${i}`);
      }
      // The holder goes silent: exactly one lease duration after the last change, the lease is free.
      const lastChange = seen.observedAt;
      standby.advance(2_999);
      assert.ok(!canAcquire(seen, 'b', standby.monotonic()));
      standby.advance(1);
      assert.equal(standby.monotonic(), lastChange + 3_000);
      assert.ok(canAcquire(seen, 'b', standby.monotonic()));
    });
  }

  it("ignores the standby's own wall clock being stepped", () => {
    const standby = new ManualClock();
    const seen = observe(
      undefined,
      renewedBy('a', Date.parse('2026-01-01T00:00:00Z'), '1'),
      standby.monotonic(),
    );
    standby.skewWall(10 * minute);
    assert.ok(!canAcquire(seen, 'b', standby.monotonic()));
    standby.skewWall(-20 * minute);
    standby.advance(3_000);
    assert.ok(canAcquire(seen, 'b', standby.monotonic()));
  });

  it('a lease with no holder (released) is free at once; the holder may always renew its own', () => {
    const released = observe(
      undefined,
      { holderIdentity: null, leaseDurationSeconds: 1, resourceVersion: '9' },
      0,
    );
    assert.ok(canAcquire(released, 'b', 0));
    const held = observe(undefined, renewedBy('a', 0, '1'), 0);
    assert.ok(canAcquire(held, 'a', 0));
    assert.ok(!canAcquire(held, 'b', 0));
    assert.ok(canAcquire(undefined, 'b', 0), 'no Lease at all: create it');
  });

  it('writes MicroTime with six fractional digits', () => {
    assert.equal(micro(new Date('2026-01-01T00:00:00.123Z')), '2026-01-01T00:00:00.123000Z');
  });
});

describe('renew deadline', () => {
  it('ends the term renewDeadline after the last successful renewal was sent', () => {
    assert.ok(withinRenewDeadline(10_000, 2_000, 10_000));
    assert.ok(withinRenewDeadline(10_000, 2_000, 11_999));
    assert.ok(!withinRenewDeadline(10_000, 2_000, 12_000));
    assert.ok(!withinRenewDeadline(10_000, 2_000, 60_000));
  });

  it('the leader has stopped before any replica that saw its last renewal may take the lease', () => {
    const leaseMs = 3_000;
    const renewDeadlineMs = 2_000;
    const sentAt = 40_000;
    // Observers see the renewal some time after it was sent (network, their poll period), never before.
    for (const seenAfterMs of [0, 1, 250, 499, 1_500]) {
      const seen = observe(undefined, renewedBy('a', 0, '5'), sentAt + seenAfterMs);
      const leaderStops = sentAt + renewDeadlineMs;
      const firstTakeover = Array.from({ length: 10_000 }, (_, i) => sentAt + i).find((t) =>
        canAcquire(seen, 'b', t),
      );
      assert.equal(firstTakeover, sentAt + seenAfterMs + leaseMs);
      assert.ok(!withinRenewDeadline(sentAt, renewDeadlineMs, leaderStops));
      assert.ok(leaderStops < (firstTakeover ?? 0), `seen ${seenAfterMs} ms after it was sent`);
    }
  });
});
