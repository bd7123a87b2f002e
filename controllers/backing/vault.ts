// The operator's client of the Vault API (OpenBao locally; any Vault-compatible server), through `node-vault`:
// AppRole login, its token renewed before it expires and the login done again when renewal fails or a call is
// refused with 403 (a token revoked or expired early); KV v2 reads and check-and-set writes, metadata (history
// length, custom metadata), version history and destruction. Every failure becomes one of three errors whose
// message names the operation, the path and the kind of failure: never a value, a token or the AppRole login,
// and never the server's or the HTTP library's own error (which carries the request, its token and its body).
import vault from 'node-vault';
import type { VaultEndpoint } from '../../operator/endpoints.ts';

/** The Vault API cannot be reached or cannot serve (refused connection, timeout, sealed, 5xx): retry later. */
export class VaultUnavailableError extends Error {
  readonly reason = 'VaultUnavailable';
  constructor(message: string) {
    super(message);
    this.name = 'VaultUnavailableError';
  }
}

/** The Vault API answered and refused the request (policy, bad path, bad request). */
export class VaultRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'VaultRequestError';
  }
}

/** A check-and-set write named a version that is no longer the current one: read again, never overwrite. */
export class CasConflictError extends VaultRequestError {
  constructor(path: string, cas: number) {
    super(`${path}: version ${cas} is no longer the current one (another writer wrote first)`, 400);
    this.name = 'CasConflictError';
  }
}

export interface KvVersion {
  version: number;
  data: Record<string, string>;
  createdTime: string;
}

export interface KvVersionMetadata {
  createdTime: string;
  deletionTime: string;
  destroyed: boolean;
}

export interface KvMetadata {
  currentVersion: number;
  oldestVersion: number;
  maxVersions: number;
  createdTime: string;
  customMetadata: Record<string, string>;
  versions: Record<string, KvVersionMetadata>;
}

export interface VaultClientOptions {
  /** The KV v2 mount; omnicloud by default. */
  mount?: string;
  /** How long one request may take before it counts as the server being unreachable. */
  timeoutMs?: number;
  now?: () => number;
}

interface Session {
  expiresAt: number;
  renewAt: number;
  renewable: boolean;
}

/** What part of a token's life passes before it is renewed. */
const renewFraction = 2 / 3;
/** A renewal that leaves less than this (the max TTL is near) is replaced by a new login. */
const shortestUsefulTtlS = 60;

type VaultClient = ReturnType<typeof vault>;

export class OperatorVault {
  readonly mount: string;
  private readonly client: VaultClient;
  private readonly now: () => number;
  private session?: Session;
  private loggingIn?: Promise<void>;

  constructor(
    private readonly endpoint: VaultEndpoint,
    opts: VaultClientOptions = {},
  ) {
    this.mount = opts.mount ?? 'omnicloud';
    this.now = opts.now ?? Date.now;
    this.client = vault({
      apiVersion: 'v1',
      endpoint: endpoint.addr,
      requestOptions: { timeout: opts.timeoutMs ?? 5_000 },
    });
  }

  /** The latest version of the secret at `path`, or undefined when there is none (or it was deleted). */
  async readLatest(path: string): Promise<KvVersion | undefined> {
    return this.readData(path, undefined);
  }

  async readVersion(path: string, version: number): Promise<KvVersion | undefined> {
    return this.readData(path, version);
  }

  /** Writes a new version with check-and-set: `cas` 0 only creates, N only replaces version N. */
  async write(path: string, data: Record<string, string>, cas: number): Promise<number> {
    try {
      const res = (await this.call('write', path, () =>
        this.client.write(this.dataPath(path), { data, options: { cas } }),
      )) as { data: { version: number } };
      return res.data.version;
    } catch (err) {
      if (err instanceof VaultRequestError && err.status === 400 && casMismatch.has(err)) {
        throw new CasConflictError(path, cas);
      }
      throw err;
    }
  }

  /** The secret's metadata and version history, or undefined when the path holds nothing. */
  async metadata(path: string): Promise<KvMetadata | undefined> {
    const res = (await this.optional('read metadata of', path, () =>
      this.client.read(`${this.mount}/metadata/${path}`),
    )) as { data: RawMetadata } | undefined;
    if (!res) return undefined;
    const d = res.data;
    const versions: Record<string, KvVersionMetadata> = {};
    for (const [v, m] of Object.entries(d.versions ?? {}))
      versions[v] = { createdTime: m.created_time, deletionTime: m.deletion_time, destroyed: m.destroyed };
    return {
      currentVersion: d.current_version,
      oldestVersion: d.oldest_version,
      maxVersions: d.max_versions,
      createdTime: d.created_time,
      customMetadata: d.custom_metadata ?? {},
      versions,
    };
  }

  /** Sets how many versions are kept and the secret's custom metadata (who manages it). */
  async setMetadata(path: string, change: { maxVersions: number; customMetadata?: Record<string, string> }) {
    await this.call('write metadata of', path, () =>
      this.client.write(`${this.mount}/metadata/${path}`, {
        max_versions: change.maxVersions,
        ...(change.customMetadata ? { custom_metadata: change.customMetadata } : {}),
      }),
    );
  }

  /** Destroys every version and the metadata of the secret; nothing there is no error. */
  async destroy(path: string): Promise<void> {
    await this.optional('destroy', path, () => this.client.delete(`${this.mount}/metadata/${path}`));
  }

  /** Logs in now (a check that the login and the server work). */
  async login(): Promise<void> {
    this.session = undefined;
    await this.ensureSession();
  }

  private dataPath(path: string): string {
    return `${this.mount}/data/${path}`;
  }

  private async readData(path: string, version: number | undefined): Promise<KvVersion | undefined> {
    const query = version === undefined ? '' : `?version=${version}`;
    const res = (await this.optional('read', path, () =>
      this.client.read(`${this.dataPath(path)}${query}`),
    )) as
      | { data: { data: Record<string, string> | null; metadata: { version: number; created_time: string } } }
      | undefined;
    if (!res?.data?.data) return undefined;
    return {
      version: res.data.metadata.version,
      data: res.data.data,
      createdTime: res.data.metadata.created_time,
    };
  }

  /** A call whose 404 means "nothing there". */
  private async optional<T>(op: string, path: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(op, path, fn);
    } catch (err) {
      if (err instanceof VaultRequestError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Runs `fn` logged in; a 403 logs in again and runs it once more. */
  private async call<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
    await this.ensureSession();
    try {
      return await fn();
    } catch (err) {
      if (statusOf(err) !== 403) throw described(err, op, path);
      this.session = undefined;
      await this.ensureSession();
      try {
        return await fn();
      } catch (again) {
        throw described(again, op, path);
      }
    }
  }

  private async ensureSession(): Promise<void> {
    const now = this.now();
    if (this.session && now < this.session.renewAt) return;
    if (this.session && this.session.renewable && now < this.session.expiresAt) {
      try {
        const res = (await this.client.tokenRenewSelf()) as {
          auth: { lease_duration: number; renewable: boolean };
        };
        if (res.auth.lease_duration >= shortestUsefulTtlS) {
          this.session = sessionOf(res.auth, this.now());
          return;
        }
      } catch (err) {
        if (isUnreachable(err)) throw described(err, 'renew the token for', '');
      }
    }
    this.loggingIn ??= this.appRoleLogin().finally(() => (this.loggingIn = undefined));
    await this.loggingIn;
  }

  private async appRoleLogin(): Promise<void> {
    this.session = undefined;
    this.client.token = '';
    try {
      const res = (await this.client.approleLogin({
        role_id: this.endpoint.roleId,
        secret_id: this.endpoint.secretId,
      })) as { auth: { lease_duration: number; renewable: boolean } };
      this.session = sessionOf(res.auth, this.now());
    } catch (err) {
      throw described(err, 'log in with AppRole to', '');
    }
  }
}

interface RawMetadata {
  current_version: number;
  oldest_version: number;
  max_versions: number;
  created_time: string;
  custom_metadata: Record<string, string> | null;
  versions: Record<string, { created_time: string; deletion_time: string; destroyed: boolean }>;
}

function sessionOf(auth: { lease_duration: number; renewable: boolean }, now: number): Session {
  const ttlMs = auth.lease_duration * 1000;
  // A token with no TTL (lease_duration 0) never expires: it is still looked at again after an hour.
  const life = ttlMs > 0 ? ttlMs : 3_600_000;
  return { expiresAt: now + life, renewAt: now + life * renewFraction, renewable: auth.renewable };
}

/** The CAS refusals, told apart from other 400s by the server's words (kept only as a mark on the error). */
const casMismatch = new WeakSet<Error>();

function statusOf(err: unknown): number | undefined {
  return (err as { response?: { statusCode?: unknown } } | undefined)?.response?.statusCode as
    number | undefined;
}

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

function networkCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isUnreachable(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status >= 500 || status === 429;
  return true; // no answer at all
}

/**
 * The error as this module tells it: the operation, the path, the status or network code. The server's own
 * words are read for one thing only (a check-and-set refusal) and never repeated.
 */
function described(err: unknown, op: string, path: string): Error {
  if (err instanceof VaultUnavailableError || err instanceof VaultRequestError) return err;
  const where = path ? ` ${path}` : ' the Vault API';
  const status = statusOf(err);
  if (status === undefined) {
    const code = networkCode(err);
    const why = code && unreachableCodes.has(code) ? code : code ? 'a network error' : 'no answer';
    return new VaultUnavailableError(`the Vault API cannot be reached to ${op}${where} (${why})`);
  }
  if (status >= 500 || status === 429) {
    const sealed = status === 503 ? ', sealed or in standby' : '';
    return new VaultUnavailableError(`the Vault API answered ${status}${sealed} to ${op}${where}`);
  }
  const out = new VaultRequestError(
    status === 403
      ? `the Vault API refused to ${op}${where} (403): the operator's policy does not allow it`
      : `the Vault API answered ${status} to ${op}${where}`,
    status,
  );
  const words = ((err as { response?: { body?: { errors?: unknown } } }).response?.body?.errors ??
    []) as unknown[];
  if (status === 400 && words.some((w) => typeof w === 'string' && /check-and-set/i.test(w)))
    casMismatch.add(out);
  return out;
}
