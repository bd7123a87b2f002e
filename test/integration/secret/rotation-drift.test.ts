// Rotation and drift of ManagedSecrets against the real stack: a new version on demand (rotate-at) and by
// schedule, each delivered with its version; a check-and-set conflict (another writer between the
// controller's read and its write) read again and never overwritten; a version written in OpenBao behind the
// controller's back reported (alert), put back (revert: the recorded value for a generated secret, the
// source's for a copied one) or taken (accept), as spec.driftPolicy says.
import assert from 'node:assert/strict';
import nodeVault from 'node-vault';
import { OperatorVault } from '../../../controllers/backing/vault.ts';
import { condition } from '../../support/infra.ts';
import { eventually } from '../../support/kube.ts';
import { SecretHarness, vaultLogin } from './harness.ts';

/** The controller's client, with a write of another writer slipped in before its next write to a path. */
class RacingVault extends OperatorVault {
  private race?: { path: string; run: () => Promise<void> };

  armRace(path: string, run: () => Promise<void>): void {
    this.race = { path, run };
  }

  disarm(): void {
    this.race = undefined;
  }

  override async write(path: string, data: Record<string, string>, cas: number): Promise<number> {
    const race = this.race;
    if (race && race.path === path) {
      this.race = undefined;
      await race.run();
    }
    return super.write(path, data, cas);
  }
}

describe('integration: ManagedSecret rotation, check-and-set and drift in OpenBao', function () {
  this.timeout(120_000);
  const h = new SecretHarness('msec-rot');
  const vault = new RacingVault(vaultLogin(), { timeoutMs: 3_000 });

  before(() => h.start({ vault }));
  after(() => h.stop());
  afterEach(function () {
    if (process.env.SECRET_TEST_DEBUG && this.currentTest?.state === 'failed')
      console.log(
        h.logLines
          .filter((l) => !l.includes('"level":"debug"') || l.includes('reconcile'))
          .slice(-60)
          .join(''),
      );
  });

  /** Writes a version directly in OpenBao, as someone outside OmniCloud would. */
  async function writeBehind(name: string, value: string): Promise<number> {
    const meta = await h.direct.metadata(h.path(name));
    return h.direct.write(h.path(name), { value }, meta!.currentVersion);
  }

  it('rotates on demand: a new value and version, delivered with its version, once per rotate-at value', async () => {
    await h.create('api-key', { generate: { length: 32 } });
    const first = await h.ready('api-key');
    const before = await h.secretValue('api-key');
    await h.annotate('api-key', { 'omnicloud.io/rotate-at': '2026-01-01T00:00:00Z' });
    const rotated = await h.ready('api-key', first.status!.version!);
    assert.equal(rotated.status?.version, 2);
    assert.match(rotated.status?.rotatedAt ?? '', /Z$/);
    const after = await h.secretValue('api-key');
    assert.notEqual(after, before);
    assert.equal((await h.direct.readLatest(h.path('api-key')))?.data.value, after);
    assert.equal((await h.secret('api-key'))?.metadata?.annotations?.['omnicloud.io/secret-version'], '2');
    assert.ok(
      (await h.events(rotated.metadata.uid!)).some((e) =>
        e.startsWith('Rotated: rotated from version 1 to 2'),
      ),
    );
    // The same request again is answered already: no third version.
    await h.patch('api-key', { metadata: { labels: { touched: 'yes' } } });
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal((await h.direct.metadata(h.path('api-key')))?.currentVersion, 2);
  });

  it('rotates by schedule and shows the next rotation in UTC', async () => {
    await h.create('short-lived', { generate: { length: 16 }, rotation: { every: '10s' } });
    const made = await h.ready('short-lived');
    const next = Date.parse(made.status!.nextRotationAt!);
    const created = Date.parse(made.status!.createdAt!);
    assert.ok(
      next - created >= 9_000 && next - created <= 11_000,
      `${made.status!.createdAt} -> ${made.status!.nextRotationAt}`,
    );
    const rotated = await h.ready('short-lived', 1, 40_000);
    assert.ok(Date.parse(rotated.status!.nextRotationAt!) > next, 'the next rotation moved on');
    assert.ok((await h.direct.metadata(h.path('short-lived')))!.currentVersion >= 2);
  });

  it('reads again after a check-and-set conflict and never overwrites the other writer', async () => {
    await h.create('contended', { generate: { length: 20 } });
    let seen = await h.ready('contended');
    // Another operator of the stack (a test's) may take a rotation first: the race is armed until this
    // controller's own write meets it.
    let theirs = 0;
    for (let attempt = 1; attempt <= 5 && theirs === 0; attempt++) {
      vault.armRace(h.path('contended'), async () => {
        theirs = await writeBehind('contended', 'written-by-another-replica');
      });
      await h.annotate('contended', { 'omnicloud.io/rotate-at': `race-${attempt}` });
      seen = await h.ready('contended', seen.status!.version!);
    }
    vault.disarm();
    assert.ok(theirs > 0, 'the other write came between the read and the write');
    const meta = await h.direct.metadata(h.path('contended'));
    assert.equal(
      (await h.direct.readVersion(h.path('contended'), theirs))?.data.value,
      'written-by-another-replica',
    );
    assert.equal(meta?.currentVersion, seen.status?.version, 'what the object shows is the latest version');
    assert.equal(seen.status?.version, theirs, 'the newer version is taken, not written over');
    assert.equal(await h.secretValue('contended'), 'written-by-another-replica');
    assert.ok(!Object.values(meta!.versions).some((v) => v.destroyed || v.deletionTime), 'no version lost');
    assert.ok(
      h.logLines.some((l) => l.includes('check-and-set refused')),
      'the conflict was met and read again',
    );
  });

  it('reports a version written behind its back under driftPolicy alert, and keeps delivering its own', async () => {
    await h.create('watched', { generate: { length: 24 }, driftPolicy: { default: 'alert' } });
    const made = await h.ready('watched');
    const ours = await h.secretValue('watched');
    await writeBehind('watched', 'edited-in-the-console');
    const drifted = await h.waitFor('watched', 'Drifted', (o) => condition(o, 'Drifted')?.status === 'True');
    assert.deepEqual(
      drifted.status?.drift?.records.map((r) => [r.path, r.desired, r.actual, r.action]),
      [['version', '1', '2', 'alert']],
    );
    assert.equal(condition(drifted, 'Ready')?.status, 'False');
    assert.equal(await h.secretValue('watched'), ours, 'consumers keep the recorded value');
    assert.ok((await h.events(made.metadata.uid!)).some((e) => e.startsWith('Drifted:')));
  });

  it('puts the recorded value back as a new version under driftPolicy revert', async () => {
    await h.create('guarded', { generate: { length: 24 } });
    await h.ready('guarded');
    const ours = (await h.direct.readLatest(h.path('guarded')))!.data.value;
    await writeBehind('guarded', 'edited-in-the-console');
    const back = await h.waitFor(
      'guarded',
      'put back',
      (o) => (o.status?.version ?? 0) >= 3 && condition(o, 'Ready')?.status === 'True',
    );
    assert.equal((await h.direct.readLatest(h.path('guarded')))?.data.value, ours);
    assert.equal(await h.secretValue('guarded'), ours);
    assert.equal(back.status?.version, 3);
    assert.equal(
      (await h.direct.readVersion(h.path('guarded'), 2))?.data.value,
      'edited-in-the-console',
      'kept in history',
    );
  });

  it('lets the source win over a version written behind its back', async () => {
    await h.putSource('cfg-src', 'token', 'from-the-source');
    await h.create('cfg', { source: { secretRef: { name: 'cfg-src', key: 'token' } } });
    await h.ready('cfg');
    await writeBehind('cfg', 'edited-in-the-console');
    await eventually('the source value back', async () =>
      (await h.direct.readLatest(h.path('cfg')))?.data.value === 'from-the-source' &&
      (await h.direct.metadata(h.path('cfg')))!.currentVersion === 3
        ? true
        : undefined,
    );
    assert.equal(await h.secretValue('cfg'), 'from-the-source');
  });

  it('rotates after its latest version was deleted outside, writing after it rather than failing check-and-set', async () => {
    await h.create('trimmed', { generate: { length: 16 } });
    await h.ready('trimmed');
    await h.annotate('trimmed', { 'omnicloud.io/rotate-at': 'before' });
    await h.ready('trimmed', 1);
    // A soft delete of the latest version (DELETE data/<path>), as `bao kv delete` does.
    const login = vaultLogin();
    const raw = nodeVault({ apiVersion: 'v1', endpoint: login.addr });
    await raw.approleLogin({ role_id: login.roleId, secret_id: login.secretId });
    await raw.delete(`omnicloud/data/${h.path('trimmed')}`);
    assert.equal(await h.direct.readLatest(h.path('trimmed')), undefined, 'the latest reads as none');
    await h.annotate('trimmed', { 'omnicloud.io/rotate-at': 'after' });
    const rotated = await h.ready('trimmed', 2);
    assert.equal(rotated.status?.version, 3);
    assert.equal(await h.secretValue('trimmed'), (await h.direct.readLatest(h.path('trimmed')))?.data.value);
  });

  it('takes and delivers a version written outside under driftPolicy accept', async () => {
    await h.create('open', {
      generate: { length: 24 },
      driftPolicy: { default: 'revert', overrides: [{ path: 'version', action: 'accept' }] },
    });
    await h.ready('open');
    await writeBehind('open', 'chosen-outside');
    const taken = await h.ready('open', 1);
    assert.equal(taken.status?.version, 2);
    assert.equal(await h.secretValue('open'), 'chosen-outside');
    assert.equal(condition(taken, 'Drifted')?.status, 'False');
  });
});
