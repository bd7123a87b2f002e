// The outbox relay against the real broker and infra_db: while it waits on Kafka it holds no transaction
// and no row lock, so writers of the outbox never queue behind a slow send; every row still ends published.
import assert from 'node:assert/strict';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { OutboxRelay } from '../../../controllers/events/relay.ts';
import { ensureTopics } from '../../../controllers/events/topics.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { migratedPool } from '../../support/databases.ts';
import { quietLog, testKafka, writeTransitions } from '../../support/events.ts';
import { uniqueName } from '../../support/kube.ts';

interface Observation {
  openTransactions: number;
  lockedRows: number;
}

/** A relay whose sends first look at what its own database sessions hold at that instant. */
class ObservedRelay extends OutboxRelay {
  readonly seen: Observation[] = [];

  constructor(
    kafka: ReturnType<typeof testKafka>,
    pool: pg.Pool,
    private readonly observer: pg.Pool,
    private readonly applicationName: string,
  ) {
    super(kafka, pool, quietLog);
  }

  protected override async producerForSend(): Promise<Producer> {
    const producer = await super.producerForSend();
    const observe = async (): Promise<Observation> => {
      const { rows } = await this.observer.query<{ open: number; locks: number }>(
        `SELECT count(*) FILTER (WHERE a.state LIKE 'idle in transaction%' OR a.xact_start IS NOT NULL)::int AS open,
                (SELECT count(*)::int FROM pg_locks l JOIN pg_stat_activity b ON b.pid = l.pid
                  WHERE b.application_name = $1 AND l.relation = 'outbox'::regclass) AS locks
           FROM pg_stat_activity a WHERE a.application_name = $1`,
        [this.applicationName],
      );
      return { openTransactions: rows[0]!.open, lockedRows: rows[0]!.locks };
    };
    return new Proxy(producer, {
      get: (target, prop, receiver) =>
        prop === 'sendBatch'
          ? async (...args: Parameters<Producer['sendBatch']>) => {
              this.seen.push(await observe());
              return target.sendBatch(...args);
            }
          : Reflect.get(target, prop, receiver),
    });
  }
}

describe('integration: the outbox relay holds nothing open across a Kafka send', function () {
  this.timeout(60_000);
  const applicationName = uniqueName('relay');
  let relayPool: pg.Pool;
  let infra: pg.Pool;
  const kafka = testKafka();

  before(async () => {
    infra = await migratedPool('infra_db');
    relayPool = new pg.Pool({
      connectionString: endpoints().postgres.infra_db,
      application_name: applicationName,
    });
    await ensureTopics(kafka);
  });
  after(async () => Promise.all([relayPool?.end(), infra?.end()]));

  it('sends with no transaction or outbox lock held by its sessions, and marks every row published', async () => {
    const relay = new ObservedRelay(kafka, relayPool, infra, applicationName);
    const ids = await writeTransitions(infra, 40, uniqueName('relay-probe'));
    try {
      let published = 0;
      for (let i = 0; i < 50; i++) {
        const n = await relay.publishBatch();
        published += n;
        if (n === 0) break;
      }
      assert.ok(published >= 40, `published ${published}`);
    } finally {
      await relay.stop();
    }
    assert.ok(relay.seen.length > 0, 'at least one send was observed');
    for (const o of relay.seen) assert.deepEqual(o, { openTransactions: 0, lockedRows: 0 });
    const { rows } = await infra.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[]) AND published_at IS NULL',
      [ids],
    );
    assert.equal(rows[0]!.n, 0);
  });
});
