// The S3 server's account administration (versitygw's admin API: PATCH /create-user, /update-user,
// /delete-user, /list-users, signed with SigV4 like any S3 request) with the operator's IAM-admin keys. It is
// used for tenants' bucket accounts only; the buckets themselves belong to the operator's own account.
import { signRequest } from './sigv4.ts';

export type AccountRole = 'user' | 'userplus' | 'admin';

export interface AdminEndpoint {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
}

/** An answer of the admin API other than success, with the server's code (XAdminUserExists...). */
export class S3AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The server could not be reached at all. */
export class S3AdminUnreachable extends Error {}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function tag(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

export interface S3Admin {
  createAccount(accessKey: string, secretKey: string, role: AccountRole): Promise<void>;
  /** Sets a new secret on an existing account. */
  setSecret(accessKey: string, secretKey: string): Promise<void>;
  /** Removes an account; one that is already gone is no error. */
  deleteAccount(accessKey: string): Promise<void>;
  listAccounts(): Promise<{ accessKey: string; role: string }[]>;
}

export function s3Admin(ep: AdminEndpoint, timeoutMs = 10_000): S3Admin {
  async function call(path: string, query: Record<string, string>, body: string): Promise<string> {
    const url = new URL(path, ep.endpoint);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers = signRequest({
      method: 'PATCH',
      url,
      region: ep.region,
      accessKey: ep.accessKey,
      secretKey: ep.secretKey,
      body,
      now: new Date(),
    });
    const { host: _host, ...sent } = headers;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'PATCH',
        headers: sent,
        body: body === '' ? undefined : body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new S3AdminUnreachable(
        `the S3 server's admin API at ${url.origin} did not answer: ${(err as Error).message}`,
      );
    }
    const text = await res.text();
    if (res.status >= 400) {
      const code = tag(text, 'Code') ?? `HTTP${res.status}`;
      throw new S3AdminError(res.status, code, `${code}: ${tag(text, 'Message') ?? res.statusText}`);
    }
    return text;
  }
  return {
    async createAccount(accessKey, secretKey, role) {
      const body = `<Account><Access>${xmlEscape(accessKey)}</Access><Secret>${xmlEscape(secretKey)}</Secret><Role>${role}</Role><UserID>0</UserID><GroupID>0</GroupID><ProjectID>0</ProjectID></Account>`;
      await call('/create-user', {}, body);
    },
    async setSecret(accessKey, secretKey) {
      await call(
        '/update-user',
        { access: accessKey },
        `<MutableProps><Secret>${xmlEscape(secretKey)}</Secret></MutableProps>`,
      );
    },
    async deleteAccount(accessKey) {
      await call('/delete-user', { access: accessKey }, '');
    },
    async listAccounts() {
      const xml = await call('/list-users', {}, '');
      return [...xml.matchAll(/<Accounts>([\s\S]*?)<\/Accounts>/g)].map((m) => ({
        accessKey: tag(m[1]!, 'Access') ?? '',
        role: tag(m[1]!, 'Role') ?? '',
      }));
    },
  };
}
