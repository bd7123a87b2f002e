// What a placement rule may see: only the request's own tenant (groups, affinity, anti-affinity and the
// messages that explain a refusal), anti-affinity in both directions, and a group named by its strategy too.
// Run against the indexed scheduler and the naive baseline alike.
import assert from 'node:assert/strict';
import { Scheduler } from '../../../controllers/compute/scheduler/index.ts';
import { NaiveScheduler } from '../../../controllers/compute/scheduler/naive.ts';
import type { PlacementScheduler } from '../../../controllers/compute/scheduler/types.ts';
import { host, hostOf, messageOf, reasonOf, req, type Host } from './scheduler-fixtures.ts';

const makers = [
  ['Scheduler', (hosts: Host[]) => new Scheduler(hosts)],
  ['NaiveScheduler', (hosts: Host[]) => new NaiveScheduler(hosts)],
] as const;

for (const [name, make] of makers) {
  describe(`${name} keeps tenants apart`, () => {
    const twoRegions = () =>
      make([
        host('use-a1', 'us-east-1a', 8, 16384, 0, 'us-east-1'),
        host('euw-a1', 'eu-west-1a', 8, 16384, 0, 'eu-west-1'),
        host('euw-b1', 'eu-west-1b', 8, 16384, 0, 'eu-west-1'),
      ]);
    const db = { name: 'db', strategy: 'cluster' } as const;

    it("lets one tenant's cluster group start where it likes, whatever another tenant's group of that name does", () => {
      const s = twoRegions();
      assert.equal(
        hostOf(s.place(req('a1', { tenant: 'a', region: 'us-east-1', placementGroup: db }))),
        'use-a1',
      );
      const b1 = s.place(req('b1', { tenant: 'b', region: 'eu-west-1', placementGroup: db }));
      assert.equal(b1.ok, true, messageOf(b1));
      // Tenant a's own second member is still held to its group's zone, and told only about its own group.
      const a2 = s.place(req('a2', { tenant: 'a', region: 'eu-west-1', placementGroup: db }));
      assert.equal(reasonOf(a2), 'PlacementGroupUnsatisfiable');
    });

    it("never names another tenant's zones or hosts when refusing", () => {
      const s = twoRegions();
      assert.ok(
        s.place(req('a1', { tenant: 'a', region: 'us-east-1', placementGroup: db, labels: { app: 'db' } }))
          .ok,
      );
      assert.ok(
        s.place(req('a2', { tenant: 'a', region: 'eu-west-1', zone: 'eu-west-1b', labels: { app: 'db' } }))
          .ok,
      );
      const refusals = [
        s.place(
          req('b1', { tenant: 'b', region: 'eu-west-1', zone: 'eu-west-1a', affinity: [{ app: 'db' }] }),
        ),
        s.place(req('b2', { tenant: 'b', region: 'eu-west-1', vcpu: 64 })),
      ];
      for (const refused of refusals) {
        assert.equal(refused.ok, false);
        assert.doesNotMatch(messageOf(refused), /us-east-1|eu-west-1b|use-a1|euw-b1/);
      }
    });

    it("does not follow affinity to another tenant's instances", () => {
      const s = twoRegions();
      assert.ok(
        s.place(req('a1', { tenant: 'a', region: 'eu-west-1', zone: 'eu-west-1b', labels: { app: 'db' } }))
          .ok,
      );
      const b = s.place(req('b1', { tenant: 'b', region: 'eu-west-1', affinity: [{ app: 'db' }] }));
      assert.equal(reasonOf(b), 'AffinityUnsatisfiable');
      // The first self-affine instance of tenant b may go anywhere: tenant a's db is not b's.
      const self = s.place(
        req('b2', {
          tenant: 'b',
          region: 'eu-west-1',
          zone: 'eu-west-1a',
          labels: { app: 'db' },
          affinity: [{ app: 'db' }],
        }),
      );
      assert.equal(hostOf(self), 'euw-a1');
    });

    it("is not pushed away by another tenant's labels, nor by another tenant's anti-affinity", () => {
      const s = make([host('h', 'a', 8, 16384)]);
      assert.ok(
        s.place(req('a-web', { tenant: 'a', labels: { app: 'web' }, antiAffinity: [{ app: 'batch' }] })).ok,
      );
      assert.equal(hostOf(s.place(req('b-web', { tenant: 'b', antiAffinity: [{ app: 'web' }] }))), 'h');
      assert.equal(hostOf(s.place(req('b-batch', { tenant: 'b', labels: { app: 'batch' } }))), 'h');
      assert.equal(
        reasonOf(s.place(req('a-web2', { tenant: 'a', antiAffinity: [{ app: 'web' }] }))),
        'AntiAffinityUnsatisfiable',
      );
    });

    it("spreads one tenant's group without regard to another tenant's group of that name", () => {
      const s = make([host('h', 'a', 8, 16384)]);
      const spread = { name: 'g', strategy: 'spread' } as const;
      assert.ok(s.place(req('a1', { tenant: 'a', placementGroup: spread })).ok);
      assert.equal(hostOf(s.place(req('b1', { tenant: 'b', placementGroup: spread }))), 'h');
      assert.equal(
        reasonOf(s.place(req('a2', { tenant: 'a', placementGroup: spread }))),
        'PlacementGroupUnsatisfiable',
      );
    });
  });

  describe(`${name} anti-affinity binds both ways`, () => {
    it('keeps an arrival off a host whose instance refuses it, as Kubernetes does', () => {
      const s = make([host('h1', 'a', 8, 16384), host('h2', 'a', 8, 16384)]);
      const dbHost = hostOf(s.place(req('db', { labels: { app: 'db' }, antiAffinity: [{ app: 'batch' }] })));
      const batchHost = hostOf(s.place(req('batch', { labels: { app: 'batch' } })));
      assert.notEqual(batchHost, dbHost);
      assert.equal(batchHost, 'h2');
    });

    it('refuses the arrival when every roomy host holds an instance that refuses it, and says why', () => {
      const s = make([host('h', 'a', 8, 16384)]);
      assert.ok(s.place(req('db', { labels: { app: 'db' }, antiAffinity: [{ app: 'batch' }] })).ok);
      const batch = s.place(req('batch', { labels: { app: 'batch', tier: 'low' } }));
      assert.equal(reasonOf(batch), 'AntiAffinityUnsatisfiable');
      assert.match(messageOf(batch), /app=batch/);
      // Labels the term does not match are welcome; and once the refusing instance leaves, so is batch.
      assert.equal(hostOf(s.place(req('web', { labels: { app: 'web' } }))), 'h');
      assert.equal(s.release('db'), true);
      assert.equal(hostOf(s.place(req('batch', { labels: { app: 'batch' } }))), 'h');
    });
    it("matches the placed instance's selectors of several labels, and an empty one, against the arrival", () => {
      const s = make([host('h1', 'a', 8, 16384), host('h2', 'a', 8, 16384), host('h3', 'a', 8, 16384)]);
      const two = { app: 'batch', tier: 'low' };
      assert.equal(hostOf(s.place(req('picky', { labels: { app: 'db' }, antiAffinity: [two] }))), 'h1');
      // Carries only one of the two labels: welcome on h1.
      assert.equal(hostOf(s.place(req('half', { labels: { tier: 'low' } }))), 'h1');
      assert.equal(hostOf(s.place(req('both', { labels: { ...two, extra: 'x' } }))), 'h2');
      // An empty selector refuses every instance of the tenant, and only of the tenant: h3 alone has room for 7.
      assert.equal(hostOf(s.place(req('loner', { vcpu: 1, antiAffinity: [{}] }))), 'h3');
      assert.equal(
        reasonOf(s.place(req('late', { vcpu: 7, labels: { app: 'web' } }))),
        'AntiAffinityUnsatisfiable',
      );
      assert.equal(hostOf(s.place(req('other', { tenant: 'other', vcpu: 7 }))), 'h3');
    });
  });

  describe(`${name} names a group within its strategy`, () => {
    it('starts a cluster group afresh beside a live spread group of the same name', () => {
      const s = make([host('a1', 'a', 8, 16384), host('b1', 'b', 8, 16384)]);
      const spread = { name: 'g', strategy: 'spread' } as const;
      const cluster = { name: 'g', strategy: 'cluster' } as const;
      assert.equal(hostOf(s.place(req('s1', { zone: 'a', placementGroup: spread }))), 'a1');
      assert.equal(hostOf(s.place(req('s2', { zone: 'b', placementGroup: spread }))), 'b1');
      assert.equal(s.release('s1'), true);
      // Not held to the zone of s1 (gone) nor of s2 (another group): the tightest host, b1, wins.
      assert.equal(hostOf(s.place(req('c1', { placementGroup: cluster }))), 'b1');
      assert.equal(hostOf(s.place(req('c2', { zone: 'b', vcpu: 1, placementGroup: cluster }))), 'b1');
      // The spread group still keeps its own members apart, cluster members do not count.
      assert.equal(
        reasonOf(s.place(req('s3', { zone: 'b', vcpu: 1, placementGroup: spread }))),
        'PlacementGroupUnsatisfiable',
      );
    });
  });
}

describe('restored placements', () => {
  const hosts = [host('h1', 'a', 8, 16384), host('h2', 'a', 8, 16384)];
  const db = req('db', { labels: { app: 'db' }, antiAffinity: [{ app: 'batch' }] });
  const restoredWays: [string, () => PlacementScheduler][] = [
    [
      'Scheduler.reserveOn',
      () => {
        const s = new Scheduler(hosts);
        assert.ok(s.reserveOn('h1', db).ok);
        return s;
      },
    ],
    ['NaiveScheduler restored', () => new NaiveScheduler(hosts, [{ req: db, hostId: 'h1' }])],
  ];
  for (const [way, restore] of restoredWays) {
    it(`${way}: a restored instance's anti-affinity refuses arrivals too`, () => {
      assert.equal(hostOf(restore().place(req('batch', { labels: { app: 'batch' } }))), 'h2');
    });
  }
});

describe('indexed and naive schedulers agree on scoping', () => {
  const scenario = (s: PlacementScheduler): string[] => {
    const spread = { name: 'g', strategy: 'spread' } as const;
    const cluster = { name: 'g', strategy: 'cluster' } as const;
    const steps = [
      () => s.place(req('s1', { zone: 'a', placementGroup: spread })),
      () => s.place(req('s2', { zone: 'b', placementGroup: spread })),
      () => s.place(req('x1', { tenant: 'other', zone: 'c', placementGroup: cluster })),
      () => (s.release('s1'), s.place(req('c1', { placementGroup: cluster }))),
      () => s.place(req('c2', { placementGroup: cluster })),
      () => s.place(req('d1', { labels: { app: 'db' }, antiAffinity: [{ app: 'batch' }] })),
      () => s.place(req('b1', { labels: { app: 'batch' } })),
    ];
    return steps.map((step) => hostOf(step()).replace(/:.*/, ''));
  };
  it('gives the same answers', () => {
    const hosts = [host('a1', 'a', 8, 16384), host('b1', 'b', 8, 16384), host('c1', 'c', 8, 16384)];
    assert.deepEqual(scenario(new Scheduler(hosts)), scenario(new NaiveScheduler(hosts)));
  });
});
