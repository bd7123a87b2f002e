// Accounts of the local S3 server (versitygw's internal IAM), managed through its admin API with the stack's
// root keys by versitygw's own admin command. An account is an access key with a role: `user` reaches only the
// buckets it owns or is granted, `userplus` may also create buckets, `admin` reaches everything and the
// admin API. versitygw has no per-user IAM policies: what an account may touch follows bucket ownership,
// ACLs and bucket policies.
import path from 'node:path';
import { cacheDir, host, ports, versions } from './config.ts';
import { credentialFiles, readS3Keys, type S3Keys } from './credentials.ts';
import { execFileAsync } from './process.ts';

export const versitygwBinary = path.join(cacheDir, 'bin', `versitygw-${versions.versitygw}`, 'versitygw');
export const s3Endpoint = `http://${host}:${ports.s3}`;

export type S3Role = 'user' | 'userplus' | 'admin';

/** Runs `versitygw admin <args>` as the root account; the keys go by environment, never on a command line. */
async function admin(args: string[]): Promise<string> {
  const root = readS3Keys(credentialFiles.s3Root);
  if (root === undefined)
    throw new Error(`no S3 root keys in ${credentialFiles.s3Root}: run the stack first`);
  try {
    const { stdout } = await execFileAsync(versitygwBinary, ['admin', '--er', s3Endpoint, ...args], {
      env: { ...process.env, ADMIN_ACCESS_KEY: root.accessKey, ADMIN_SECRET_KEY: root.secretKey },
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`versitygw admin ${args[0]} failed: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}

/** The access keys of every account, read from the server. */
export async function listS3Accounts(): Promise<string[]> {
  const out = await admin(['list-users']);
  // A header, a rule of dashes, then one account a line; the access key is the first column.
  return out
    .split('\n')
    .slice(2)
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((k) => k !== '');
}

export async function createS3Account(keys: S3Keys, role: S3Role): Promise<void> {
  await admin(['create-user', '--access', keys.accessKey, '--secret', keys.secretKey, '--role', role]);
}

export async function deleteS3Account(accessKey: string): Promise<void> {
  await admin(['delete-user', '--access', accessKey]);
}
