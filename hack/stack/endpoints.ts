// The local stack's addresses, for `npm start`, the CLIs and the tests. An existing deployment is used when
// its variable is set (KUBECONFIG, OMNICLOUD_*_URL); otherwise the local stack's. The operator itself reads
// only its environment (operator/endpoints.ts): `operatorEnv` is what the local stack hands it.
import {
  databases,
  databaseVariable,
  type Endpoints as OperatorEndpoints,
} from '../../operator/endpoints.ts';
import { host, kubeconfigPath, ports, postgres, s3Region } from './config.ts';
import { credentialFiles, readAppRoleLogin, readS3Keys } from './credentials.ts';

export type { Database } from '../../operator/endpoints.ts';

export interface Endpoints extends Omit<OperatorEndpoints, 's3' | 'vault'> {
  kubeconfig: string;
  redis: string;
  /** The S3 server and the operator's keys for it (absent until the local stack has made them). */
  s3: {
    endpoint: string;
    region: string;
    accessKey?: string;
    secretKey?: string;
    /** The operator's IAM-admin account, used only to manage tenants' accounts. */
    adminAccessKey?: string;
    adminSecretKey?: string;
  };
  /** The Vault-API server and the operator's AppRole login (absent until the local stack has made it). */
  vault: { addr: string; roleId?: string; secretId?: string };
}

/** The S3 server given by OMNICLOUD_S3_* or else the local one, with the keys the stack made for the operator. */
function s3(env: NodeJS.ProcessEnv): Endpoints['s3'] {
  const local = env.OMNICLOUD_S3_ENDPOINT === undefined ? readS3Keys(credentialFiles.s3Operator) : undefined;
  const admin = env.OMNICLOUD_S3_ENDPOINT === undefined ? readS3Keys(credentialFiles.s3IamAdmin) : undefined;
  return {
    endpoint: env.OMNICLOUD_S3_ENDPOINT ?? `http://${host}:${ports.s3}`,
    region: env.OMNICLOUD_S3_REGION ?? s3Region,
    accessKey: env.OMNICLOUD_S3_ACCESS_KEY ?? local?.accessKey,
    secretKey: env.OMNICLOUD_S3_SECRET_KEY ?? local?.secretKey,
    adminAccessKey: env.OMNICLOUD_S3_ADMIN_ACCESS_KEY ?? admin?.accessKey,
    adminSecretKey: env.OMNICLOUD_S3_ADMIN_SECRET_KEY ?? admin?.secretKey,
  };
}

/** The Vault-API server given by OMNICLOUD_VAULT_* or else the local OpenBao, with the operator's AppRole login. */
function vault(env: NodeJS.ProcessEnv): Endpoints['vault'] {
  const local = env.OMNICLOUD_VAULT_ADDR === undefined ? readAppRoleLogin() : undefined;
  return {
    addr: env.OMNICLOUD_VAULT_ADDR ?? `http://${host}:${ports.openbao}`,
    roleId: env.OMNICLOUD_VAULT_ROLE_ID ?? local?.roleId,
    secretId: env.OMNICLOUD_VAULT_SECRET_ID ?? local?.secretId,
  };
}

function localPostgres(db: string): string {
  const pw = encodeURIComponent(postgres.password);
  return `postgres://${postgres.user}:${pw}@${host}:${ports.postgres}/${db}`;
}

export function endpoints(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const pg = {} as Endpoints['postgres'];
  for (const db of databases) pg[db] = env[databaseVariable(db)] ?? localPostgres(db);
  return {
    kubeconfig: env.KUBECONFIG ?? kubeconfigPath,
    postgres: pg,
    redis: env.OMNICLOUD_REDIS_URL ?? `redis://${host}:${ports.redis}`,
    kafkaBrokers: (env.OMNICLOUD_KAFKA_BROKERS ?? `${host}:${ports.kafka}`).split(',').filter(Boolean),
    provider: env.OMNICLOUD_PROVIDER_URL ?? `http://${host}:${ports.simulator}`,
    s3: s3(env),
    vault: vault(env),
  };
}

/** The S3 and Vault-API variables, each only when it has a value; never a root credential. */
export function s3AndVaultEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const { s3: s, vault: v } = endpoints(env);
  const vars: Record<string, string | undefined> = {
    OMNICLOUD_S3_ENDPOINT: s.endpoint,
    OMNICLOUD_S3_REGION: s.region,
    OMNICLOUD_S3_ACCESS_KEY: s.accessKey,
    OMNICLOUD_S3_SECRET_KEY: s.secretKey,
    OMNICLOUD_S3_ADMIN_ACCESS_KEY: s.adminAccessKey,
    OMNICLOUD_S3_ADMIN_SECRET_KEY: s.adminSecretKey,
    OMNICLOUD_VAULT_ADDR: v.addr,
    OMNICLOUD_VAULT_ROLE_ID: v.roleId,
    OMNICLOUD_VAULT_SECRET_ID: v.secretId,
  };
  return Object.fromEntries(
    Object.entries(vars).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
}

/** The backing systems' variables the operator reads (operator/endpoints.ts), set to the local stack's. */
export function backingSystemsEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const ep = endpoints(env);
  const vars: Record<string, string> = {
    OMNICLOUD_KAFKA_BROKERS: ep.kafkaBrokers.join(','),
    OMNICLOUD_PROVIDER_URL: ep.provider,
  };
  for (const db of databases) vars[databaseVariable(db)] = ep.postgres[db];
  return { ...vars, ...s3AndVaultEnv(env) };
}

/** Everything the operator needs to run against the local stack: its kubeconfig and backing systems. */
export function operatorEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { KUBECONFIG: endpoints(env).kubeconfig, ...backingSystemsEnv(env) };
}
