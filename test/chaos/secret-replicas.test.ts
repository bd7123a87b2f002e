// Two replicas of the ManagedSecret controller at once (as during a leader hand-over, or a split brain), each
// with its own OpenBao login, on the same objects: every rotation asked for is answered with exactly one new
// version, no version is lost or written over, and what each Secret delivers is the latest version. The phase
// guard in infra_db and check-and-set at OpenBao keep them from writing twice.
import assert from 'node:assert/strict';
import { OperatorVault } from '../../controllers/backing/vault.ts';
import { addManagedSecretController, type SecretObj } from '../../controllers/secret/reconcile.ts';
import { Controller, type ControllerSpec } from '../../operator/controller.ts';
import { eventRecorder } from '../../operator/events.ts';
import { condition } from '../support/infra.ts';
import { SecretHarness, vaultLogin } from '../integration/secret/harness.ts';

describe('chaos: two ManagedSecret replicas on the same objects', function () {
  this.timeout(240_000);
  const h = new SecretHarness('msec-two');
  let second: Controller<SecretObj> | undefined;

  before(async () => {
    await h.start({ observeIntervalMs: 500 });
    second = addManagedSecretController(
      (spec: ControllerSpec<SecretObj>) =>
        new Controller(
          { ...spec, workers: 4, resyncMs: 60_000 },
          h.kc,
          h.log.child({ replica: 2 }),
          eventRecorder(h.kc, spec.name, 'replica-2', h.log),
        ),
      { pool: h.pool, vault: new OperatorVault(vaultLogin()), kc: h.kc, observeIntervalMs: 500 },
    );
    await second.start();
  });
  after(async () => {
    await second?.stop(5_000);
    await h.stop();
  });

  it('answers each rotation with exactly one version and loses none', async () => {
    const names = ['r0', 'r1', 'r2', 'r3', 'r4'];
    const requests = 3;
    await Promise.all(names.map((n) => h.create(n, { generate: { length: 24 }, history: 50 })));
    for (const n of names) await h.ready(n);
    for (let i = 1; i <= requests; i++) {
      await Promise.all(names.map((n) => h.annotate(n, { 'omnicloud.io/rotate-at': `both-${i}` })));
      for (const n of names) await h.ready(n, i);
    }
    const rotatedBy = (replica: boolean) =>
      h.logLines.filter((l) => l.includes('rotating the secret') && l.includes('"replica":2') === replica)
        .length;
    // Both replicas work the queue (their split varies); between them every request started a rotation.
    assert.ok(rotatedBy(false) + rotatedBy(true) >= names.length * requests, 'every request met a replica');
    for (const n of names) {
      const o = await h.waitFor(n, 'settled', (x) => condition(x, 'Ready')?.status === 'True');
      const meta = (await h.direct.metadata(h.path(n)))!;
      assert.equal(meta.currentVersion, 1 + requests, `${n}: one version per rotation`);
      assert.equal(o.status?.version, meta.currentVersion);
      const versions = Object.keys(meta.versions)
        .map(Number)
        .sort((a, b) => a - b);
      assert.deepEqual(versions, [1, 2, 3, 4], `${n}: every version kept`);
      assert.ok(!Object.values(meta.versions).some((v) => v.destroyed || v.deletionTime), `${n}: none lost`);
      assert.equal(await h.secretValue(n), (await h.direct.readLatest(h.path(n)))?.data.value);
      assert.equal((await h.secret(n))?.metadata?.annotations?.['omnicloud.io/secret-version'], '4');
    }
  });
});
