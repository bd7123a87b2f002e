// The operator's pools against the real PostgreSQL: a connection the server drops while a client is checked
// out (as when PostgreSQL restarts mid-transaction) is logged, not an unhandled 'error' that ends the process;
// the next query on it fails as "database unavailable", and the pool hands out a working client afterwards.
import assert from 'node:assert/strict';
import pino from 'pino';
import { Writable } from 'node:stream';
import { databasePool } from '../../../controllers/db/pool.ts';
import { isDatabaseUnavailable } from '../../../controllers/db/unavailable.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { eventually } from '../../support/kube.ts';

describe('integration: database pools survive dropped connections', function () {
  this.timeout(30_000);
  const lines: string[] = [];
  const log = pino(
    { level: 'warn' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  const pool = databasePool(endpoints().postgres.infra_db, 'infra_db', log, 2);
  const admin = databasePool(endpoints().postgres.infra_db, 'admin', log, 1);
  after(async () => {
    await Promise.all([pool.end(), admin.end()]);
  });

  it('logs the drop of a checked-out connection, fails its next query as unavailable, and recovers', async () => {
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    // Without a listener the client's 'error' event would end this process here, failing the whole run.
    await eventually(
      'the drop to be logged',
      async () => (lines.some((l) => l.includes('infra_db connection error')) ? true : undefined),
      10_000,
    );
    const err = await client.query('SELECT 1').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err, 'a query on the dropped connection fails');
    assert.ok(isDatabaseUnavailable(err), `classified as database unavailable: ${(err as Error).message}`);
    client.release();
    const again = await pool.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(again.rows[0]!.one, 1);
  });
});
