// Kill the operator (SIGKILL) while ConfigSets are being changed, then start another: every ConfigSet ends
// at its last content, its ConfigMap holds the version and hash its status names, its history counts up
// with no gap and no version made twice for the same change, and each version was put on the bus once.
import assert from 'node:assert/strict';
import type pg from 'pg';
import { configHashAnnotation, configVersionAnnotation } from '../../controllers/config/configmap.ts';
import { contentHash, contentOf } from '../../controllers/config/content.ts';
import { eventually, uniqueName } from '../support/kube.ts';
import { startOperator, type OperatorProcess } from '../support/operator.ts';
import { ConfigStack, readyAt } from '../integration/config/config-stack.ts';

describe('chaos: operator killed while ConfigSets change', function () {
  this.timeout(300_000);
  const stack = new ConfigStack();
  const names = Array.from({ length: 6 }, (_, i) => `cfg-${i}`);
  const rounds = 4;
  let ns: string;
  let second: OperatorProcess | undefined;
  let infra: pg.Pool;

  before(async () => {
    await stack.open();
    infra = stack.pool;
    ns = await stack.tenantNamespace('chaos-cfg');
  });
  after(async () => {
    second ??= await startOperator(uniqueName('chaos-cfg-cleaner'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    await stack.close(); // deletes the ConfigSets while the second operator runs
    await second.stop();
  });

  const specOf = (name: string, round: number) => ({
    data: { name, round: String(round) },
    flags: { f: { rollout: round * 10 } },
  });

  it('converges with each version made once, none lost, and the ConfigMap matching the status', async () => {
    const first = await startOperator(uniqueName('chaos-cfg-a'), { OMNICLOUD_LEADER_ELECTION: 'false' });
    for (const n of names) await stack.create(ns, n, specOf(n, 0));
    await eventually('some ConfigSets at a version', async () => {
      const all = await Promise.all(names.map((n) => stack.read(ns, n)));
      return all.filter((o) => (o?.status?.currentVersion ?? 0) >= 1).length >= 2 ? true : undefined;
    });
    // Changes land while the first operator works on them; it dies part way through.
    for (let round = 1; round < rounds; round++) {
      for (const n of names) await stack.patchSpec(ns, n, specOf(n, round));
      if (round === 2) await first.stop('SIGKILL');
    }
    second = await startOperator(uniqueName('chaos-cfg-b'), { OMNICLOUD_LEADER_ELECTION: 'false' });

    for (const n of names) {
      const want = contentHash(contentOf(specOf(n, rounds - 1) as never));
      const shown = await stack.waitFor(
        ns,
        n,
        'at its last content',
        (o) => readyAt(o.status?.currentVersion ?? -1)(o) && o.status?.currentHash === want,
        120_000,
      );
      const cm = (await stack.configMap(ns, n))!;
      assert.equal(cm.data?.round, String(rounds - 1), `${n}: ConfigMap holds the last content`);
      assert.equal(cm.metadata?.annotations?.[configVersionAnnotation], String(shown.status?.currentVersion));
      assert.equal(cm.metadata?.annotations?.[configHashAnnotation], want);

      const history = await stack.versions(shown.metadata.uid!);
      assert.deepEqual(
        history.map((h) => h.version),
        history.map((_, i) => i + 1),
        `${n}: versions count up with no gap`,
      );
      assert.ok(history.length <= rounds, `${n}: at most one version per change (${history.length})`);
      for (let i = 1; i < history.length; i++)
        assert.notEqual(history[i]!.hash, history[i - 1]!.hash, `${n}: v${i + 1} repeats v${i}`);
      assert.equal(history.at(-1)!.version, shown.status?.currentVersion);

      const { rows } = await infra.query<{ v: string; n: string }>(
        `SELECT event->'data'->>'applyingVersion' AS v, count(*) AS n FROM outbox
          WHERE key = $1 AND topic = 'omnicloud.config.events' AND event->'data'->>'to' = 'Applying'
          GROUP BY 1 ORDER BY 1`,
        [shown.metadata.uid],
      );
      assert.deepEqual(
        rows.map((r) => [Number(r.v), Number(r.n)]),
        history.map((h) => [h.version, 1]),
        `${n}: each version put on the bus once`,
      );
      const row = await infra.query<{ phase: string; applying_version: number | null }>(
        'SELECT phase, applying_version FROM config_sets WHERE uid = $1',
        [shown.metadata.uid],
      );
      assert.deepEqual(row.rows[0], { phase: 'Synced', applying_version: null });
    }
  });
});
