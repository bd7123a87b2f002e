// The operator's connection pools: one per database, whose connection errors are logged, never fatal, and
// whose every wait is bounded, so a database that hangs (a dropped route, a lock held forever) fails a
// reconcile with an error instead of holding its worker: connecting, each statement, and a transaction left
// idle all have deadlines.
import pg from 'pg';
import type { Logger } from 'pino';

export const poolTimeouts = {
  /** Waiting for a connection, new or from the pool. */
  connectionTimeoutMillis: 5_000,
  /** Server side: one statement, lock waits included. */
  statement_timeout: 30_000,
  /** Client side: a query whose answer never arrives (the server or the network gone silent). */
  query_timeout: 35_000,
  /** Server side: a transaction left open with nothing running in it. */
  idle_in_transaction_session_timeout: 60_000,
};

export function databasePool(url: string, name: string, log: Logger, max = 5): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max, ...poolTimeouts });
  const warn = (err: Error) => log.warn({ err: err.message }, `${name} connection error`);
  p.on('error', warn);
  // The pool listens for errors only on idle clients: a connection the server drops while a client is checked
  // out (PostgreSQL restarting mid-transaction) would otherwise be an unhandled 'error' that ends the process.
  // Its next query fails instead, and the pool discards it on release.
  p.on('connect', (client) => client.on('error', warn));
  return p;
}
