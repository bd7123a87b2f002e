// What the local OpenBao holds for OmniCloud, set up with the root token by the stack and by nothing else: a
// KV v2 mount `omnicloud/`, a policy that reaches only that mount's secrets, and an AppRole role bound to it
// for the operator. Every step is idempotent; the operator's secret_id is minted only when the stack has
// none that the server still knows.
import { credentialFiles, readAppRoleLogin, writeCredentials, type AppRoleLogin } from './credentials.ts';
import { step } from './process.ts';

export const kvMount = 'omnicloud';
export const operatorPolicyName = 'omnicloud-operator';
export const operatorRoleName = 'omnicloud-operator';

/**
 * The operator's policy: read, write, patch and delete secrets and their versions under the KV v2 mount, list
 * and read their metadata; nothing else. The mount's own settings (`omnicloud/config`), other mounts,
 * `sys/` and the AppRole backend stay out of reach.
 */
export function operatorPolicy(mount = kvMount): string {
  const rule = (p: string, caps: string[]): string =>
    `path "${mount}/${p}" {\n  capabilities = [${caps.map((c) => `"${c}"`).join(', ')}]\n}`;
  return [
    rule('data/*', ['create', 'read', 'update', 'patch', 'delete']),
    rule('metadata/*', ['create', 'read', 'update', 'patch', 'delete', 'list']),
    rule('metadata/', ['list']),
    rule('subkeys/*', ['read']),
    rule('delete/*', ['update']),
    rule('undelete/*', ['update']),
    rule('destroy/*', ['update']),
    '',
  ].join('\n');
}

type Call = (method: string, apiPath: string, body?: unknown) => Promise<Record<string, unknown> | undefined>;

/** Calls of the Vault HTTP API at `addr` with `token`; a status other than 2xx throws with the server's errors. */
export function vaultApi(addr: string, token?: string): Call {
  return async (method, apiPath, body) => {
    const res = await fetch(`${addr}/v1/${apiPath}`, {
      method,
      headers: { ...(token ? { 'X-Vault-Token': token } : {}), 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const parsed = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    if (!res.ok) {
      const errors = (parsed?.errors as string[] | undefined)?.join('; ') ?? text;
      throw new Error(`OpenBao ${method} /v1/${apiPath}: ${res.status} ${errors}`);
    }
    return parsed;
  };
}

async function ensureKvMount(call: Call): Promise<void> {
  const mounts = (await call('GET', 'sys/mounts')) ?? {};
  const existing = (mounts.data ?? mounts) as Record<
    string,
    { type?: string; options?: { version?: string } }
  >;
  const mount = existing[`${kvMount}/`];
  if (mount === undefined) {
    step(`OpenBao: mounting KV v2 at ${kvMount}/`);
    await call('POST', `sys/mounts/${kvMount}`, {
      type: 'kv',
      options: { version: '2' },
      description: 'OmniCloud secrets',
    });
  } else if (mount.type !== 'kv' || mount.options?.version !== '2') {
    throw new Error(`OpenBao: ${kvMount}/ is mounted as ${mount.type} v${mount.options?.version}, not KV v2`);
  }
}

async function ensureAppRole(call: Call): Promise<void> {
  const auths = (await call('GET', 'sys/auth')) ?? {};
  const existing = (auths.data ?? auths) as Record<string, unknown>;
  if (existing['approle/'] === undefined) {
    step('OpenBao: enabling AppRole auth');
    await call('POST', 'sys/auth/approle', { type: 'approle' });
  }
  await call('POST', `auth/approle/role/${operatorRoleName}`, {
    token_policies: [operatorPolicyName],
    token_type: 'service',
    token_ttl: '1h',
    token_max_ttl: '24h',
    secret_id_ttl: '0',
    secret_id_num_uses: 0,
  });
}

/** Whether the server still knows this secret_id for the operator's role. */
async function secretIdKnown(call: Call, login: AppRoleLogin): Promise<boolean> {
  const found = await call('POST', `auth/approle/role/${operatorRoleName}/secret-id/lookup`, {
    secret_id: login.secretId,
  }).catch(() => undefined);
  return found?.data !== undefined && found.data !== null;
}

/** Brings mount, policy and role to what OmniCloud needs and returns the operator's AppRole login. */
export async function bootstrapOpenBao(addr: string, rootToken: string): Promise<AppRoleLogin> {
  const call = vaultApi(addr, rootToken);
  await ensureKvMount(call);
  await call('PUT', `sys/policies/acl/${operatorPolicyName}`, { policy: operatorPolicy() });
  await ensureAppRole(call);
  const roleId = (
    (await call('GET', `auth/approle/role/${operatorRoleName}/role-id`))?.data as { role_id: string }
  ).role_id;
  const existing = readAppRoleLogin();
  if (existing?.roleId === roleId && (await secretIdKnown(call, existing))) return existing;
  step(`OpenBao: minting a secret_id for AppRole ${operatorRoleName}`);
  const minted = await call('POST', `auth/approle/role/${operatorRoleName}/secret-id`, {
    metadata: JSON.stringify({ holder: 'omnicloud-operator' }),
  });
  const login = { roleId, secretId: (minted?.data as { secret_id: string }).secret_id };
  writeCredentials(credentialFiles.openbaoOperator, login);
  return login;
}
