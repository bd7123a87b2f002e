// A ManagedSecret's value reaches OpenBao and the Secret it delivers, and nothing else: a unique marker value
// (and every generated value) goes through create, a source change, an on-demand rotation, a version written
// behind the controller's back and put back, an OpenBao outage (the controller's only way to OpenBao is a
// proxy that is frozen, then brought back) and deletion; then every sink is searched for each value, as is
// and base64-encoded: every object of every listable resource kind in every namespace (the delivered and
// source Secrets excepted while they exist), Events among them, the controller's log lines, the Kafka topics,
// every table of infra_db, audit_db and billing_db (as text), and the /metrics output. Each count must be 0.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { startAuditConsumer } from '../../controllers/audit/consumer.ts';
import { topics } from '../../controllers/events/cloudevent.ts';
import { kafkaClient } from '../../controllers/events/pipeline.ts';
import { registry } from '../../operator/metrics.ts';
import { kubectlBinary } from '../../hack/stack/components/tools.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { migratedPool } from '../support/databases.ts';
import { startFreezableProxy, type FreezableProxy } from '../support/freezable-proxy.ts';
import { condition } from '../support/infra.ts';
import { eventually, uniqueName } from '../support/kube.ts';
import { openBaoTarget, SecretHarness, startForwarder } from '../integration/secret/harness.ts';
import { KafkaTail } from './kafka-tail.ts';

/** The forms a value can take in a sink: as is, and base64 (as a Secret's data holds it). */
const forms = (value: string): string[] => [value, Buffer.from(value, 'utf8').toString('base64')];

/** Every object of every listable resource kind, in every namespace, as one JSON text per object. */
function everyObject(): { name: string; text: string }[] {
  const env = { ...process.env, KUBECONFIG: endpoints().kubeconfig };
  const kubectl = (...args: string[]) =>
    execFileSync(kubectlBinary, args, {
      env,
      maxBuffer: 512 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString('utf8');
  const kinds = kubectl('api-resources', '--verbs=list', '-o', 'name').split('\n').filter(Boolean);
  const list = JSON.parse(kubectl('get', kinds.join(','), '-A', '-o', 'json')) as {
    items: {
      kind?: string;
      metadata?: { namespace?: string; name?: string };
      data?: Record<string, string>;
    }[];
  };
  return list.items.map((o) => {
    // A Secret's data is base64: searched decoded too.
    const decoded =
      o.kind === 'Secret'
        ? Object.values(o.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8'))
        : [];
    return {
      name: `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`,
      text: [JSON.stringify(o), ...decoded].join('\n'),
    };
  });
}

/** How many rows of every table of `pool`'s database hold `needle`, by table. */
async function rowsHolding(pool: pg.Pool, needle: string): Promise<Record<string, number>> {
  const { rows: tables } = await pool.query<{ name: string }>(
    "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'",
  );
  const found: Record<string, number> = {};
  for (const { name } of tables) {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${name} t WHERE strpos(t::text, $1) > 0`,
      [needle],
    );
    if (Number(rows[0]!.n) > 0) found[name] = Number(rows[0]!.n);
  }
  return found;
}

describe('security: a ManagedSecret value never leaves OpenBao and its delivered Secret', function () {
  this.timeout(300_000);
  const h = new SecretHarness('msec-leak');
  const kafka = new KafkaTail(Object.values(topics));
  const marker = `MARKER-${randomBytes(12).toString('hex')}`;
  const changedMarker = `MARKER-${randomBytes(12).toString('hex')}`;
  const outsideMarker = `MARKER-${randomBytes(12).toString('hex')}`;
  const generated: string[] = [];
  let frozen: FreezableProxy | undefined;
  let forwarder: { close(): Promise<void> } | undefined;
  let port = 0;
  let audit: pg.Pool;
  let billing: pg.Pool;
  let auditConsumer: { disconnect(): Promise<void> } | undefined;

  before(async () => {
    frozen = await startFreezableProxy(openBaoTarget());
    port = frozen.port;
    await kafka.mark();
    await h.start({ vaultAddr: `http://127.0.0.1:${port}`, relay: true, vaultTimeoutMs: 2_000 });
    audit = await migratedPool('audit_db');
    billing = await migratedPool('billing_db');
    // The audit trail as the operator keeps it: the audit consumer (its own group) appends every event.
    auditConsumer = await startAuditConsumer(
      kafkaClient(endpoints().kafkaBrokers, uniqueName('sec-audit'), h.log),
      audit,
      h.log,
    );
  });
  after(async () => {
    await auditConsumer?.disconnect().catch(() => undefined);
    await h.stop();
    await frozen?.close().catch(() => undefined);
    await forwarder?.close().catch(() => undefined);
    await audit?.end();
    await billing?.end();
  });

  it('tells nothing of the value through create, rotation, drift, an outage and deletion', async () => {
    // Create: a copied value (the marker) and a generated one.
    await h.putSource('leak-src', 'pw', marker);
    await h.create('leaky', { source: { secretRef: { name: 'leak-src', key: 'pw' } } });
    await h.create('gen', { generate: { length: 40, charset: 'symbols' } });
    const leaky = await h.ready('leaky');
    const gen = await h.ready('gen');
    const uids = [leaky.metadata.uid!, gen.metadata.uid!];
    generated.push((await h.direct.readLatest(h.path('gen')))!.data.value!);

    // A source change and an on-demand rotation.
    await h.putSource('leak-src', 'pw', changedMarker);
    await h.ready('leaky', 1);
    await h.annotate('gen', { 'omnicloud.io/rotate-at': 'leak-1' });
    await h.ready('gen', 1);
    generated.push((await h.direct.readLatest(h.path('gen')))!.data.value!);

    // A version written behind the controller's back, put back (the drift path records desired and actual).
    const meta = await h.direct.metadata(h.path('gen'));
    await h.direct.write(h.path('gen'), { value: outsideMarker }, meta!.currentVersion);
    await eventually('put back', async () => {
      const latest = await h.direct.readLatest(h.path('gen'));
      return latest && latest.version > meta!.currentVersion + 1 && latest.data.value === generated[1]
        ? true
        : undefined;
    });

    // An outage: the proxy freezes (requests hang), work is asked for, then OpenBao comes back.
    frozen!.freeze();
    await h.annotate('gen', { 'omnicloud.io/rotate-at': 'leak-during-outage' });
    const down = await h.waitFor(
      'gen',
      'VaultUnavailable',
      (o) => condition(o, 'Synced')?.reason === 'VaultUnavailable',
      60_000,
    );
    assert.equal(condition(down, 'Synced')?.status, 'False');
    await frozen!.close();
    frozen = undefined;
    forwarder = await startForwarder(port, openBaoTarget());
    const back = await h.waitFor(
      'gen',
      'rotated after the outage',
      (o) =>
        condition(o, 'Synced')?.status === 'True' &&
        condition(o, 'Ready')?.status === 'True' &&
        o.status!.version! >= 5,
      60_000,
    );
    generated.push((await h.direct.readLatest(h.path('gen')))!.data.value!);
    assert.equal(await h.secretValue('gen'), generated[2]);

    const needles = [marker, changedMarker, outsideMarker, ...generated].flatMap(forms);
    const hits: string[] = [];
    const scanObjects = (except: (name: string) => boolean) => {
      for (const o of everyObject())
        if (!except(o.name))
          for (const n of needles) if (o.text.includes(n)) hits.push(`API object ${o.name}`);
    };
    // While they exist: everything but the delivered and source Secrets (which hold the value by design).
    const delivered = new Set(['leaky', 'gen', 'leak-src'].map((n) => `Secret ${h.ns}/${n}`));
    scanObjects((name) => delivered.has(name));
    // The search finds a value where it is: in the Secrets that hold it by design.
    const holders = everyObject().filter(
      (o) => delivered.has(o.name) && needles.some((n) => o.text.includes(n)),
    );
    assert.equal(holders.length, 3, 'the delivered and source Secrets hold the values');
    assert.ok(back.status?.version, 'status has versions');

    // Delete: every version destroyed; the delivered Secrets go with their owners; the source is the user's.
    await h.removeAndWait('leaky');
    await h.removeAndWait('gen');
    await eventually('delivered Secrets gone', async () =>
      (await h.secret('leaky')) || (await h.secret('gen')) ? undefined : true,
    );
    await h.kc
      .makeApiClient((await import('@kubernetes/client-node')).CoreV1Api)
      .deleteNamespacedSecret({ name: 'leak-src', namespace: h.ns });
    await eventually('the events in the audit trail', async () => {
      const { rows } = await audit.query<{ n: string }>(
        "SELECT count(*) AS n FROM audit_log WHERE event->>'subject' = ANY($1)",
        [uids],
      );
      return Number(rows[0]!.n) >= 6 ? true : undefined;
    });

    // Everything, with no exception now.
    scanObjects(() => false);
    const events = everyObject().filter(
      (o) => o.name.startsWith('Event ') && uids.some((u) => o.text.includes(u)),
    );
    assert.ok(events.length >= 4, `Events about the objects were searched (${events.length})`);
    for (const n of needles) if (h.logLines.some((l) => l.includes(n))) hits.push('the controller log');
    assert.ok(
      h.logLines.some((l) => l.includes('VaultUnavailable') || l.includes('cannot be reached')),
      'the outage is in the log',
    );
    const messages = await kafka.since(uids);
    assert.ok(messages.length >= 6, `Kafka carried the transitions (${messages.length})`);
    for (const m of messages) for (const n of needles) if (m.value.includes(n)) hits.push(`Kafka ${m.topic}`);
    for (const [db, pool] of [
      ['infra_db', h.pool],
      ['audit_db', audit],
      ['billing_db', billing],
    ] as const)
      for (const n of needles)
        for (const table of Object.keys(await rowsHolding(pool, n))) hits.push(`${db} ${table}`);
    const metrics = await registry.metrics();
    assert.match(metrics, /managedsecret/, 'the controller’s metrics are there');
    for (const n of needles) if (metrics.includes(n)) hits.push('/metrics');

    assert.deepEqual(hits, [], `the value was found in: ${hits.join(', ')}`);
  });
});
