// PostgreSQL 15 for the local stack: its own cluster on loopback, run as the postgres system user when the
// stack runs as root (PostgreSQL refuses root), with the omnicloud role and the four databases.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Component, ComponentStatus } from '../component.ts';
import { host, ports, postgres, stateDir, versions } from '../config.ts';
import { endpoints } from '../endpoints.ts';
import { execFileAsync, logPath, startDaemon, stopDaemon, waitUntil, step } from '../process.ts';

const bin = (name: string): string => `/usr/lib/postgresql/${versions.postgres}/bin/${name}`;
const asRoot = process.getuid?.() === 0;
// /root is private, so the postgres user cannot reach a data directory under it.
const dataDir =
  process.env.OMNICLOUD_PG_DATA ?? (asRoot ? '/var/lib/omnicloud/pg15' : path.join(stateDir, 'pg15'));

async function run(cmd: string, args: string[]): Promise<string> {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  try {
    return (await execFileAsync(file, argv, { cwd: '/' })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${path.basename(cmd)} failed: ${e.stderr || e.message}`, { cause: err });
  }
}

async function query<T>(database: string, fn: (c: pg.Client) => Promise<T>, superuser = false): Promise<T> {
  const client = superuser
    ? new pg.Client({ host: dataDir, port: ports.postgres, user: asRoot ? 'postgres' : undefined, database })
    : new pg.Client({ connectionString: endpoints().postgres.infra_db, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function answering(): Promise<boolean> {
  return query('infra_db', async (c) => (await c.query('SELECT 1 AS ok')).rows[0]?.ok === 1).catch(
    () => false,
  );
}

async function serverUp(): Promise<boolean> {
  return query('postgres', async () => true, true).catch(() => false);
}

async function ensureRoleAndDatabases(): Promise<void> {
  await query(
    'postgres',
    async (c) => {
      const role = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [postgres.user]);
      const pw = postgres.password.replace(/'/g, "''");
      const verb = role.rowCount === 0 ? 'CREATE' : 'ALTER';
      await c.query(`${verb} ROLE ${postgres.user} WITH LOGIN CREATEDB PASSWORD '${pw}'`);
      for (const db of postgres.databases) {
        const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
        if (exists.rowCount === 0) await c.query(`CREATE DATABASE ${db} OWNER ${postgres.user}`);
      }
    },
    true,
  );
}

export const postgresComponent: Component = {
  name: 'postgres',
  async prepare() {
    if (!fs.existsSync(bin('postgres'))) {
      throw new Error(
        `PostgreSQL ${versions.postgres} is not installed (${bin('postgres')}); apt-get install postgresql-15`,
      );
    }
    if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return;
    step(`initialising a PostgreSQL cluster in ${dataDir}`);
    fs.mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (asRoot) await execFileAsync('chown', ['-R', 'postgres:postgres', dataDir]);
    await run(bin('initdb'), [
      '-D',
      dataDir,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
  },
  async start() {
    if (await serverUp()) return ensureRoleAndDatabases();
    step(`starting PostgreSQL on ${host}:${ports.postgres}`);
    const pid = startDaemon({
      name: 'postgres',
      command: bin('postgres'),
      args: [
        '-D',
        dataDir,
        '-h',
        host,
        '-p',
        String(ports.postgres),
        '-k',
        dataDir,
        '-c',
        'max_connections=300',
        '-c',
        'fsync=off',
      ],
      asUser: 'postgres',
      cwd: '/',
    });
    await waitUntil('postgres', serverUp, 60_000, pid);
    await ensureRoleAndDatabases();
  },
  async stop() {
    if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
      await run(bin('pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w']).catch(() =>
        stopDaemon('postgres'),
      );
    }
    await stopDaemon('postgres');
  },
  async status(): Promise<ComponentStatus> {
    const ok = await answering();
    let version: string = versions.postgres;
    if (ok)
      version = await query('infra_db', async (c) =>
        String((await c.query('SHOW server_version')).rows[0]?.server_version),
      );
    return {
      name: 'postgres',
      version,
      address: `${host}:${ports.postgres}`,
      answering: ok,
      detail: `databases ${postgres.databases.join(', ')}; log ${logPath('postgres')}`,
    };
  },
};
