// The local PostgreSQL server: every one of the four databases accepts writes and returns them.
import assert from 'node:assert/strict';
import pg from 'pg';
import { endpoints } from '../../../hack/stack/endpoints.ts';

describe('PostgreSQL', () => {
  for (const [db, url] of Object.entries(endpoints().postgres)) {
    it(`writes and reads a row in ${db}`, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(
          'CREATE TEMP TABLE probe (id serial PRIMARY KEY, amount numeric(20,4), at timestamptz)',
        );
        await client.query('INSERT INTO probe (amount, at) VALUES ($1, $2)', [
          '12345.6789',
          '2026-01-31T23:59:59Z',
        ]);
        const { rows } = await client.query('SELECT amount::text AS amount, at FROM probe');
        assert.equal(rows.length, 1);
        assert.equal(rows[0].amount, '12345.6789');
        assert.equal((rows[0].at as Date).toISOString(), '2026-01-31T23:59:59.000Z');
        assert.equal((await client.query('SELECT current_database() AS db')).rows[0].db, db);
      } finally {
        await client.end();
      }
    });
  }
});
