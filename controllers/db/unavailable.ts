// When a database cannot be reached, the objects that depend on it say so in their conditions (keeping the
// rest of their status as it was) instead of failing silently in the logs; the next successful reconcile
// replaces those conditions.
import type * as k8s from '@kubernetes/client-node';
import { requeueAfter, type Action } from '../../operator/action.ts';
import { setCondition, type Condition } from '../../operator/conditions.ts';
import type { ReconcileContext } from '../../operator/controller.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { writeStatus } from '../../operator/status.ts';

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

const failures: [RegExp | string, string][] = [
  ['ECONNREFUSED', 'connection refused'],
  ['ECONNRESET', 'connection reset'],
  ['ETIMEDOUT', 'connection timed out'],
  ['EHOSTUNREACH', 'host unreachable'],
  ['57P01', 'server shutting down'],
  ['57P02', 'server restarting'],
  ['57P03', 'server starting up'],
  [/timeout exceeded when trying to connect|Query read timeout/, 'no answer in time'],
  [/Connection terminated/, 'connection closed by the server'],
  [/starting up/, 'server starting up'],
  [/shutting down/, 'server shutting down'],
];

/**
 * What went wrong, in words safe for a tenant to read: a driver's own message may carry the server's
 * address, the user name or, in a DSN, the password, so it goes only to the operator's logs.
 */
export function databaseFailure(err: unknown): string {
  const e = err as { code?: string; message?: string } | undefined;
  for (const [match, phrase] of failures) {
    if (typeof match === 'string' ? e?.code === match : match.test(e?.message ?? '')) return phrase;
  }
  return 'connection error';
}

export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (e?.code && codes.has(e.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|the database system is (starting up|shutting down)|encountered a connection error and is not queryable/.test(
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
  const message = `${database} cannot be reached (${databaseFailure(err)}); nothing was changed, retrying every 5 s`;
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

type WithConditions = k8s.KubernetesObject & { status?: { conditions?: unknown[] } };

/** A reconcile that, when `database` cannot be reached, says so in `conditionTypes` and retries every 5 s. */
export function showingDatabaseOutage<T extends WithConditions>(
  resource: ResourceRef,
  database: string,
  conditionTypes: string[],
  reconcile: (obj: T, ctx: ReconcileContext<T>) => Promise<Action>,
): (obj: T, ctx: ReconcileContext<T>) => Promise<Action> {
  return async (obj, ctx) => {
    try {
      return await reconcile(obj, ctx);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      const status = databaseUnavailableStatus(
        obj.status,
        conditionTypes,
        database,
        err,
        new Date(ctx.clock.now()),
        obj.metadata?.generation,
      );
      await writeStatus(ctx.kc, resource, obj, status);
      return requeueAfter(5_000);
    }
  };
}
