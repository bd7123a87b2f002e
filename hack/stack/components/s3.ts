// The S3 server of the local stack: versitygw (Apache-2.0), built once per version by `go install` into the
// cache, serving a posix backend with bucket versioning on one loopback port. Root keys are generated into
// the state directory and passed by environment; the operator gets an account of its own (role userplus:
// it may create buckets and reaches only those it owns) in versitygw's internal IAM.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import * as Minio from 'minio';
import type { Component, ComponentStatus } from '../component.ts';
import { host, ports, s3Region, versions } from '../config.ts';
import {
  credentialFiles,
  newS3Keys,
  readS3Keys,
  s3Dir,
  writeCredentials,
  type S3Keys,
} from '../credentials.ts';
import { createS3Account, listS3Accounts, s3Endpoint, versitygwBinary } from '../s3-accounts.ts';
import { logPath, startDaemon, stopDaemon, waitUntil, step } from '../process.ts';

const bucketsDir = path.join(s3Dir, 'buckets');
// versitygw refuses a versioning directory inside the directory that holds the buckets.
const versionsDir = path.join(s3Dir, 'versions');
const iamDir = path.join(s3Dir, 'iam');
const healthPath = '/health';

async function build(): Promise<void> {
  if (fs.existsSync(versitygwBinary)) return;
  const started = Date.now();
  step(`building versitygw ${versions.versitygw} with go install (first time only; about two minutes)`);
  const dir = path.dirname(versitygwBinary);
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  fs.mkdirSync(path.dirname(logPath('build-versitygw')), { recursive: true });
  const log = fs.openSync(logPath('build-versitygw'), 'a');
  const pkg = `github.com/versity/versitygw/cmd/versitygw@${versions.versitygw}`;
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(
      'go',
      ['install', '-trimpath', `-ldflags=-s -w -X main.Version=${versions.versitygw}`, pkg],
      {
        env: { ...process.env, GOBIN: partial, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' },
        stdio: ['ignore', log, log],
      },
    );
    child.once('error', (err) =>
      reject(new Error(`cannot run the Go toolchain (${err.message}); Go 1.25 or newer builds versitygw`)),
    );
    child.once('exit', (c) => resolve(c ?? 1));
  });
  fs.closeSync(log);
  if (code !== 0)
    throw new Error(`building versitygw failed (exit ${code}); see ${logPath('build-versitygw')}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  step(`built versitygw into ${dir} in ${Math.round((Date.now() - started) / 1000)}s`);
}

async function healthy(): Promise<boolean> {
  try {
    const res = await fetch(`${s3Endpoint}${healthPath}`, { signal: AbortSignal.timeout(1500) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Whether the server accepts these keys for a request of their own (listing their buckets). */
async function accepts(keys: S3Keys): Promise<boolean> {
  const client = new Minio.Client({
    endPoint: host,
    port: ports.s3,
    useSSL: false,
    region: s3Region,
    pathStyle: true,
    ...keys,
  });
  return client.listBuckets().then(
    () => true,
    () => false,
  );
}

function rootKeys(): S3Keys {
  const existing = readS3Keys(credentialFiles.s3Root);
  if (existing) return existing;
  const keys = newS3Keys();
  writeCredentials(credentialFiles.s3Root, keys);
  return keys;
}

/** The operator's account: its keys are generated once, and the account is (re)created if the IAM lacks it. */
async function ensureOperatorAccount(): Promise<void> {
  let keys = readS3Keys(credentialFiles.s3Operator);
  if (keys === undefined) {
    keys = newS3Keys();
    writeCredentials(credentialFiles.s3Operator, keys);
  }
  if (!(await listS3Accounts()).includes(keys.accessKey)) {
    step('creating the operator account on the S3 server');
    await createS3Account(keys, 'userplus');
  }
}

/**
 * The operator's IAM-admin account (role admin, not root): used only to make, re-key and remove tenants'
 * accounts through the admin API, beside the operator's own userplus account that owns the buckets.
 */
export async function ensureIamAdminAccount(): Promise<void> {
  let keys = readS3Keys(credentialFiles.s3IamAdmin);
  if (keys === undefined) {
    keys = newS3Keys();
    writeCredentials(credentialFiles.s3IamAdmin, keys);
  }
  if (!(await listS3Accounts()).includes(keys.accessKey)) {
    step('creating the operator IAM-admin account on the S3 server');
    await createS3Account(keys, 'admin');
  }
}

export const s3Component: Component = {
  name: 's3',
  async prepare() {
    await build();
  },
  async start() {
    if (!(await healthy())) {
      for (const dir of [bucketsDir, versionsDir, iamDir])
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const root = rootKeys();
      step(`starting versitygw ${versions.versitygw} (S3) on ${s3Endpoint}`);
      const pid = startDaemon({
        name: 's3',
        command: versitygwBinary,
        args: [
          '--port',
          `${host}:${ports.s3}`,
          '--region',
          s3Region,
          '--iam-dir',
          iamDir,
          '--health',
          healthPath,
          '--quiet',
          'posix',
          '--versioning-dir',
          versionsDir,
          bucketsDir,
        ],
        env: { ROOT_ACCESS_KEY: root.accessKey, ROOT_SECRET_KEY: root.secretKey },
      });
      await waitUntil('s3', healthy, 30_000, pid);
    }
    await ensureOperatorAccount();
    await ensureIamAdminAccount();
  },
  async stop() {
    await stopDaemon('s3');
  },
  async status(): Promise<ComponentStatus> {
    const up = await healthy();
    const operator = readS3Keys(credentialFiles.s3Operator);
    const operatorOk = up && operator !== undefined && (await accepts(operator));
    return {
      name: 's3',
      version: `versitygw ${versions.versitygw}`,
      address: s3Endpoint,
      answering: operatorOk,
      detail: up
        ? `posix backend, versioning on; operator account ${operatorOk ? 'accepted' : 'NOT accepted'}; keys in ${s3Dir}`
        : undefined,
    };
  },
};
