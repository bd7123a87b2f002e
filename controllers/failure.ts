// What a failure may say in status and events, which tenants read. A driver's or client's own message can
// carry a backend's address, a user name, a DSN with its password or a whole response body, so those go to
// the operator's log only; status gets a short description of the kind of failure.
import { IpamRefusal } from './network/store.ts';
import { TerminalError } from '../operator/action.ts';
import { databaseFailure, isDatabaseUnavailable } from './db/unavailable.ts';

export function failureForStatus(err: unknown): string {
  // Messages the operator wrote itself about the object, meant for its owner.
  if (err instanceof TerminalError || err instanceof IpamRefusal) return err.message;
  if (isDatabaseUnavailable(err)) return `a database cannot be reached (${databaseFailure(err)})`;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'number' && code >= 100 && code < 600) return `the Kubernetes API answered ${code}`;
  return 'an internal error; the operator log has the details';
}
