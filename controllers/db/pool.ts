// The operator's connection pools: one per database, whose connection errors are logged, never fatal.
import pg from 'pg';
import type { Logger } from 'pino';

export function databasePool(url: string, name: string, log: Logger, max = 5): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max });
  const warn = (err: Error) => log.warn({ err: err.message }, `${name} connection error`);
  p.on('error', warn);
  // The pool listens for errors only on idle clients: a connection the server drops while a client is checked
  // out (PostgreSQL restarting mid-transaction) would otherwise be an unhandled 'error' that ends the process.
  // Its next query fails instead, and the pool discards it on release.
  p.on('connect', (client) => client.on('error', warn));
  return p;
}
