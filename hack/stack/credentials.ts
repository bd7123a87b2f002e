// Credentials the local stack generates for its S3 and Vault-API servers, each in a file of mode 0600 in the
// state directory. The root ones (S3 admin keys, OpenBao unseal key and root token) serve only the stack's own
// start and bootstrap; the operator's (an S3 access key, an AppRole role_id and secret_id) are what the stack
// hands out through endpoints.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { stateDir } from './config.ts';

export const s3Dir = path.join(stateDir, 's3');
export const openbaoDir = path.join(stateDir, 'openbao');

export const credentialFiles = {
  s3Root: path.join(s3Dir, 'root-credentials.json'),
  s3Operator: path.join(s3Dir, 'operator-credentials.json'),
  s3IamAdmin: path.join(s3Dir, 'iam-admin-credentials.json'),
  openbaoRoot: path.join(openbaoDir, 'root-credentials.json'),
  openbaoOperator: path.join(openbaoDir, 'operator-approle.json'),
} as const;

export interface S3Keys {
  accessKey: string;
  secretKey: string;
}

export interface OpenBaoRoot {
  unsealKey: string;
  rootToken: string;
}

export interface AppRoleLogin {
  roleId: string;
  secretId: string;
}

/** The string fields `fields` of a JSON credential file, or undefined when the file is absent or lacks one. */
function readFields<K extends string>(file: string, fields: readonly K[]): Record<K, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file} is not readable JSON; delete it and its component's data to start afresh`, {
      cause: err,
    });
  }
  const record = parsed as Record<string, unknown>;
  const out = {} as Record<K, string>;
  for (const f of fields) {
    const v = record?.[f];
    if (typeof v !== 'string' || v === '') return undefined;
    out[f] = v;
  }
  return out;
}

export const readS3Keys = (file: string): S3Keys | undefined => readFields(file, ['accessKey', 'secretKey']);
export const readOpenBaoRoot = (): OpenBaoRoot | undefined =>
  readFields(credentialFiles.openbaoRoot, ['unsealKey', 'rootToken']);
export const readAppRoleLogin = (): AppRoleLogin | undefined =>
  readFields(credentialFiles.openbaoOperator, ['roleId', 'secretId']);

/** Writes a credential file readable by its owner only, whole or not at all. */
export function writeCredentials(file: string, value: S3Keys | OpenBaoRoot | AppRoleLogin): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.partial`;
  fs.rmSync(partial, { force: true });
  fs.writeFileSync(partial, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(partial, file);
}

/** A fresh S3 key pair: an access key id of 20 upper-case letters and digits, a 40-character secret. */
export function newS3Keys(): S3Keys {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const accessKey = Array.from({ length: 20 }, () => alphabet[crypto.randomInt(alphabet.length)]).join('');
  const secretKey = crypto.randomBytes(30).toString('base64url');
  return { accessKey, secretKey };
}
