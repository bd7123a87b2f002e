// The addresses of the backing systems the operator talks to, read from its environment. Every one is
// required: the chart sets them from values and Secrets, and the local stack from its own addresses
// (hack/stack/endpoints.ts). A missing or malformed one stops the operator with a line naming the variable,
// never echoing a value, since database URLs carry passwords.
import { ConfigError } from './config.ts';

export const databases = ['infra_db', 'tenants_db', 'billing_db', 'audit_db'] as const;
export type Database = (typeof databases)[number];

export interface Endpoints {
  postgres: Record<Database, string>;
  kafkaBrokers: string[];
  /** The cloud provider's API (the cloud simulator by default). */
  provider: string;
  /** The S3 server and the operator's access key, limited to the operator's buckets. */
  s3: S3Endpoint;
  /** The Vault-API server and the operator's AppRole login, limited to OmniCloud's paths. */
  vault: VaultEndpoint;
}

export interface S3Endpoint {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  /**
   * An account of the S3 server's IAM with the admin role (not root), used only to make, re-key and remove the
   * tenants' bucket accounts; without it Buckets get no tenant credentials.
   */
  admin?: { accessKey: string; secretKey: string };
}

export interface VaultEndpoint {
  addr: string;
  roleId: string;
  secretId: string;
}

const databaseVariables: Record<Database, string> = {
  infra_db: 'OMNICLOUD_INFRA_DB_URL',
  tenants_db: 'OMNICLOUD_TENANTS_DB_URL',
  billing_db: 'OMNICLOUD_BILLING_DB_URL',
  audit_db: 'OMNICLOUD_AUDIT_DB_URL',
};
export const databaseVariable = (db: Database): string => databaseVariables[db];

function url(raw: string, protocols: string[]): URL | undefined {
  try {
    const u = new URL(raw);
    return protocols.includes(u.protocol) && u.hostname !== '' ? u : undefined;
  } catch {
    return undefined;
  }
}

const brokerPattern = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;

/** Reads every endpoint; throws one ConfigError listing every missing or malformed variable. */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const problems: string[] = [];
  const required = (name: string, what: string): string => {
    const value = env[name]?.trim() ?? '';
    if (value === '') problems.push(`${name}: required (${what})`);
    return value;
  };
  const postgres = {} as Record<Database, string>;
  for (const db of databases) {
    const name = databaseVariable(db);
    const value = required(name, `the PostgreSQL URL of ${db}`);
    if (value && !url(value, ['postgres:', 'postgresql:'])) {
      problems.push(`${name}: expected a URL like postgres://user:password@host:5432/${db}`);
    }
    postgres[db] = value;
  }
  const brokers = required('OMNICLOUD_KAFKA_BROKERS', 'comma-separated Kafka bootstrap brokers')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const badBroker = brokers.find((b) => !brokerPattern.test(b));
  if (badBroker !== undefined) {
    problems.push(
      `OMNICLOUD_KAFKA_BROKERS: expected host:port[,host:port...] (got ${JSON.stringify(badBroker)})`,
    );
  }
  const provider = required(
    'OMNICLOUD_PROVIDER_URL',
    "the cloud provider's API, such as the cloud simulator",
  );
  if (provider && !url(provider, ['http:', 'https:'])) {
    problems.push(
      `OMNICLOUD_PROVIDER_URL: expected an http:// or https:// URL (got ${JSON.stringify(provider)})`,
    );
  }
  const s3Endpoint = required('OMNICLOUD_S3_ENDPOINT', 'the S3 server, such as http://s3.example:7070');
  if (s3Endpoint && !url(s3Endpoint, ['http:', 'https:'])) {
    problems.push(
      `OMNICLOUD_S3_ENDPOINT: expected an http:// or https:// URL (got ${JSON.stringify(s3Endpoint)})`,
    );
  }
  const s3: S3Endpoint = {
    endpoint: s3Endpoint,
    region: env.OMNICLOUD_S3_REGION?.trim() || 'us-east-1',
    accessKey: required('OMNICLOUD_S3_ACCESS_KEY', "the operator's S3 access key"),
    secretKey: required('OMNICLOUD_S3_SECRET_KEY', "the operator's S3 secret key"),
  };
  const adminAccess = env.OMNICLOUD_S3_ADMIN_ACCESS_KEY?.trim() ?? '';
  const adminSecret = env.OMNICLOUD_S3_ADMIN_SECRET_KEY?.trim() ?? '';
  if ((adminAccess === '') !== (adminSecret === '')) {
    problems.push(
      "OMNICLOUD_S3_ADMIN_ACCESS_KEY and OMNICLOUD_S3_ADMIN_SECRET_KEY: give both (the S3 IAM-admin account for tenants' bucket credentials) or neither",
    );
  }
  if (adminAccess !== '' && adminSecret !== '') s3.admin = { accessKey: adminAccess, secretKey: adminSecret };
  const vaultAddr = required(
    'OMNICLOUD_VAULT_ADDR',
    'the Vault-API server, such as https://openbao.example:8200',
  );
  if (vaultAddr && !url(vaultAddr, ['http:', 'https:'])) {
    problems.push(
      `OMNICLOUD_VAULT_ADDR: expected an http:// or https:// URL (got ${JSON.stringify(vaultAddr)})`,
    );
  }
  const vault: VaultEndpoint = {
    addr: vaultAddr,
    roleId: required('OMNICLOUD_VAULT_ROLE_ID', "the operator's AppRole role_id"),
    secretId: required('OMNICLOUD_VAULT_SECRET_ID', "the operator's AppRole secret_id"),
  };
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return { postgres, kafkaBrokers: brokers, provider, s3, vault };
}

/** One database's URL, for the command-line tools that need only that one. */
export function databaseUrlFromEnv(db: Database, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[databaseVariable(db)]?.trim();
  if (!value || !url(value, ['postgres:', 'postgresql:'])) {
    throw new ConfigError(
      `${databaseVariable(db)}: required, a URL like postgres://user:password@host:5432/${db}`,
    );
  }
  return value;
}
