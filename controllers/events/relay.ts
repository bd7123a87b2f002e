// Publishes the outbox to Kafka in order, keyed by resource UID so that one resource's events stay in one
// partition and in order. Rows are marked published only after the broker acknowledged them; when Kafka is
// down the rows wait and the relay backs off. Delivery is at least once; consumers deduplicate by event id.
import type { Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { outboxPending, outboxPublished } from './metrics.ts';

export interface RelayOptions {
  batchSize?: number;
  idleMs?: number;
  /** How long a nudge waits for more writes before publishing; 10 ms by default. */
  lingerMs?: number;
  maxBackoffMs?: number;
}

export class OutboxRelay {
  private producer?: Producer;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private failures = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly opts: RelayOptions = {},
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Publish soon: called after a transaction wrote to the outbox. */
  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.producer?.disconnect().catch(() => undefined);
  }

  /**
   * Publishes one batch; returns how many rows were published. Nothing is held open while the broker is
   * asked: the rows are read, sent, then marked in a statement of their own, so a slow or hung send keeps
   * no transaction or row lock (which would block writers of the outbox and be cut off by the server's
   * idle-transaction timeout). A relay that dies between send and mark sends those rows again: at least once.
   */
  async publishBatch(): Promise<number> {
    const { rows } = await this.pool.query<{ seq: string; topic: string; key: string; event: unknown }>(
      `SELECT seq, topic, key, event FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
      [this.opts.batchSize ?? 500],
    );
    if (rows.length === 0) return 0;
    const producer = await this.producerForSend();
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const r of rows) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: JSON.stringify(r.event) });
      byTopic.set(r.topic, list);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    await this.pool.query(
      'UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[]) AND published_at IS NULL',
      [rows.map((r) => r.seq)],
    );
    outboxPublished.inc(rows.length);
    return rows.length;
  }

  /** The producer, connected on first use; a subclass may watch what is sent. */
  protected async producerForSend(): Promise<Producer> {
    return this.connectedProducer();
  }

  private async connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  private backlogMeasuredAt = 0;

  /**
   * The outbox backlog gauge, counted at most once a second: counting after every batch cost a scan of the
   * outbox per event under load, for a figure nobody reads more often than Prometheus scrapes it.
   */
  private async measureBacklog(): Promise<void> {
    const now = Date.now();
    if (now - this.backlogMeasuredAt < 1_000) return;
    this.backlogMeasuredAt = now;
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL',
    );
    outboxPending.set(Number(rows[0]!.n));
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published = 0;
      try {
        published = await this.publishBatch();
        if (this.failures > 0)
          this.log.info({ after: this.failures }, 'event relay recovered; outbox draining');
        this.failures = 0;
        await this.measureBacklog();
      } catch (err) {
        this.failures++;
        // A broken producer is rebuilt on the next attempt.
        await this.producer?.disconnect().catch(() => undefined);
        this.producer = undefined;
        if (this.failures === 1 || this.failures % 10 === 0) {
          this.log.warn(
            { err: (err as Error).message, failures: this.failures },
            'event relay cannot publish; events wait in the outbox',
          );
        }
      }
      if (published > 0 && this.failures === 0) continue;
      const delay =
        this.failures === 0
          ? (this.opts.idleMs ?? 200)
          : Math.min(this.opts.maxBackoffMs ?? 10_000, 250 * 2 ** Math.min(this.failures, 6));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          // A moment's wait lets the writes of a burst go in one batch rather than one batch each.
          clearTimeout(timer);
          this.wake = undefined;
          setTimeout(resolve, this.running ? (this.opts.lingerMs ?? 10) : 0);
        };
      });
      this.wake = undefined;
    }
  }
}
