// When a database cannot be reached, the objects that depend on it say so in their conditions (keeping the
// rest of their status as it was) instead of failing silently in the logs; the next successful reconcile
// replaces those conditions.
import { setCondition, type Condition } from '../../operator/conditions.ts';

const codes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (e?.code && codes.has(e.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/.test(
    e?.message ?? '',
  );
}

export function databaseUnavailableStatus<S extends { conditions?: unknown[] }>(
  status: S | undefined,
  conditionTypes: string[],
  database: string,
  err: unknown,
  now: Date,
  generation?: number,
): S {
  let conditions = status?.conditions as Condition[] | undefined;
  const message = `${database} cannot be reached (${(err as Error).message}); nothing was changed, retrying every 5 s`;
  for (const type of conditionTypes) {
    const degraded = type === 'Degraded';
    conditions = setCondition(
      conditions,
      { type, status: degraded ? 'True' : 'False', reason: 'DatabaseUnavailable', message },
      now,
      generation,
    );
  }
  return { ...(status ?? ({} as S)), conditions };
}
