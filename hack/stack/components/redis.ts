// Redis for the local stack: Debian's redis-server (installed on first use), our own instance on loopback.
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Component, ComponentStatus } from '../component.ts';
import { host, ports, stateDir } from '../config.ts';
import { execFileAsync, startDaemon, stopDaemon, waitUntil, step } from '../process.ts';

const serverBinary = '/usr/bin/redis-server';

async function info(): Promise<string | undefined> {
  const client = new Redis({
    host,
    port: ports.redis,
    lazyConnect: true,
    connectTimeout: 1500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    if ((await client.ping()) !== 'PONG') return undefined;
    return /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

export const redisComponent: Component = {
  name: 'redis',
  async prepare() {
    if (fs.existsSync(serverBinary)) return;
    step('installing redis-server from Debian packages');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      await execFileAsync('apt-get', ['update', '-qq'], { env });
      await execFileAsync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
        env,
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`could not install redis-server: ${e.stderr || e.message}`, { cause: err });
    }
  },
  async start() {
    if ((await info()) !== undefined) return;
    const dir = path.join(stateDir, 'redis');
    fs.mkdirSync(dir, { recursive: true });
    step(`starting Redis on ${host}:${ports.redis}`);
    const pid = startDaemon({
      name: 'redis',
      command: serverBinary,
      args: [
        '--bind',
        host,
        '--port',
        String(ports.redis),
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--daemonize',
        'no',
        '--save',
        '',
      ],
    });
    await waitUntil('redis', async () => (await info()) !== undefined, 30_000, pid);
  },
  async stop() {
    await stopDaemon('redis');
  },
  async status(): Promise<ComponentStatus> {
    const version = await info();
    return {
      name: 'redis',
      version: version ?? 'unknown',
      address: `redis://${host}:${ports.redis}`,
      answering: version !== undefined,
    };
  },
};
