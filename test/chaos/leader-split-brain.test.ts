// Split brain under clock skew and a hung API connection, against the real API server and PostgreSQL. Two
// electors share one Lease: A reaches the API server through a proxy the test freezes (requests hang, the
// sockets stay open), B's wall clock is ten minutes ahead or behind. While each believes it leads it writes
// rows stamped with the database's clock. B must take over once A has stopped, and the two replicas' writes
// must never interleave: A stops at its renew deadline, before B can see the lease expire.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { pino } from 'pino';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { systemClock, type Clock } from '../../operator/clock.ts';
import { LeaderElector } from '../../operator/leader.ts';
import {
  adminConfigThrough,
  apiServer,
  startFreezableProxy,
  type FreezableProxy,
} from '../support/freezable-proxy.ts';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';

const timings = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };
const namespace = 'default';
const tenMinutes = 10 * 60_000;
const log = pino({ level: process.env.OMNICLOUD_TEST_LOG_LEVEL ?? 'silent' });

interface Replica {
  identity: string;
  elector: LeaderElector;
  /** performance.now() when it started and stopped leading. */
  wonAt?: number;
  lostAt?: number;
}

function replica(identity: string, lease: string, kc: k8s.KubeConfig, clock: Clock): Replica {
  const r: Replica = { identity } as Replica;
  r.elector = new LeaderElector(
    kc,
    { name: lease, namespace, identity, ...timings, clock },
    () => (r.wonAt = performance.now()),
    () => (r.lostAt = performance.now()),
    log.child({ replica: identity }),
  );
  return r;
}

describe('chaos: no split brain under clock skew and a hung API connection', function () {
  this.timeout(120_000);
  const table = `leader_split_brain_${uniqueName('t').slice(2)}`;
  const coordination = adminConfig().makeApiClient(k8s.CoordinationV1Api);
  const pools: pg.Pool[] = [];
  const pool = () => {
    const p = new pg.Pool({ connectionString: endpoints().postgres.infra_db, max: 2 });
    pools.push(p);
    return p;
  };
  const db = pool();
  const cleanups: (() => Promise<unknown>)[] = [];

  before(() =>
    db.query(
      `CREATE TABLE ${table} (id bigserial PRIMARY KEY, holder text NOT NULL, at timestamptz NOT NULL)`,
    ),
  );
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  after(async () => {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await Promise.all(pools.map((p) => p.end()));
  });

  /** Writes a row stamped with the database's clock whenever `r` believes it leads, until `done`. */
  async function writeWhileLeading(r: Replica, done: () => boolean): Promise<void> {
    const own = pool();
    while (!done()) {
      if (r.elector.isLeader) {
        await own.query(`INSERT INTO ${table} (holder, at) VALUES ($1, clock_timestamp())`, [r.identity]);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Each holder's writes, as microseconds since the epoch on the database's clock, in order. */
  async function writes(identity: string): Promise<bigint[]> {
    const { rows } = await db.query<{ us: string }>(
      `SELECT (extract(epoch FROM at) * 1000000)::bigint AS us FROM ${table} WHERE holder = $1 ORDER BY at`,
      [identity],
    );
    return rows.map((r) => BigInt(r.us));
  }

  for (const [label, skewMs] of [
    ['ahead', tenMinutes],
    ['behind', -tenMinutes],
  ] as const) {
    it(`hands over only after the hung leader stopped, the standby's clock ten minutes ${label}`, async () => {
      const lease = uniqueName('split-brain');
      cleanups.push(() => coordination.deleteNamespacedLease({ name: lease, namespace }));
      const proxy: FreezableProxy = await startFreezableProxy(apiServer());
      cleanups.push(() => proxy.close());
      const a = replica(uniqueName('a'), lease, adminConfigThrough(proxy), systemClock);
      const b = replica(uniqueName('b'), lease, adminConfig(), {
        ...systemClock,
        now: () => Date.now() + skewMs,
      });
      let done = false;
      const writers = [writeWhileLeading(a, () => done), writeWhileLeading(b, () => done)];
      cleanups.push(async () => {
        done = true;
        await Promise.all(writers);
      });
      // A leader whose release hangs behind the frozen proxy must not hold up the clean-up.
      const bounded = (p: Promise<void>) => Promise.race([p, new Promise((r) => setTimeout(r, 5_000))]);
      cleanups.push(
        () => bounded(a.elector.stop()),
        () => bounded(b.elector.stop()),
      );

      a.elector.start();
      await eventually('A to lead', async () => (a.elector.isLeader ? true : undefined), 20_000);
      const bStarted = performance.now();
      b.elector.start();
      // B watches A renew for two lease durations and, whatever its clock says, must not take over.
      await eventually(
        'B to have campaigned for two lease durations',
        async () => (performance.now() - bStarted >= 2 * timings.leaseDurationMs ? true : undefined),
        20_000,
      );
      assert.equal(b.wonAt, undefined, 'B must not take the lease while A renews it');
      assert.ok(a.elector.isLeader, 'A still leads');

      const frozenAt = performance.now();
      proxy.freeze();
      await eventually('B to take over', async () => (b.elector.isLeader ? true : undefined), 30_000);
      await eventually('B to write as leader', async () =>
        (await writes(b.identity)).length >= 5 ? true : undefined,
      );
      done = true;
      await Promise.all(writers);

      assert.ok(a.lostAt !== undefined, 'A noticed that it no longer leads');
      assert.ok(b.wonAt !== undefined);
      assert.ok(a.lostAt < b.wonAt, 'A stopped leading before B started');
      const fromA = await writes(a.identity);
      const fromB = await writes(b.identity);
      const [bFirst] = fromB;
      const aLast = fromA.at(-1);
      assert.ok(aLast !== undefined && bFirst !== undefined, 'both wrote while leading');
      // On the database's clock: nothing from A after B's first write, bar one write A had in flight.
      const overlapping = fromA.filter((t) => t >= bFirst);
      assert.ok(overlapping.length <= 1, `${overlapping.length} writes from A while B led`);
      console.log(
        `      A stopped ${Math.round(a.lostAt - frozenAt)} ms and B took over ${Math.round(b.wonAt - frozenAt)} ms ` +
          `after the freeze; ${Number(bFirst - aLast) / 1000} ms between their writes`,
      );
    });
  }
});
