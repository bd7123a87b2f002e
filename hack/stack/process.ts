// Starting, finding and stopping the stack's long-running processes: detached, logged to one folder, tracked by pid file.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { logDir, runDir } from './config.ts';

export const execFileAsync = promisify(execFile);

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this system user (through runuser) when the stack runs as root. */
  asUser?: string;
}

export function logPath(name: string): string {
  return path.join(logDir, `${name}.log`);
}

function pidPath(name: string): string {
  return path.join(runDir, `${name}.pid`);
}

export function readPid(name: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidPath(name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Starts a process in its own process group, detached from this one, with stdout and stderr appended to its log. */
export function startDaemon(spec: DaemonSpec): number {
  fs.mkdirSync(logDir, { recursive: true });
  fs.mkdirSync(runDir, { recursive: true });
  const out = fs.openSync(logPath(spec.name), 'a');
  fs.writeSync(out, `\n=== ${new Date().toISOString()} starting ${spec.command} ${spec.args.join(' ')}\n`);
  let command = spec.command;
  let args = spec.args;
  if (spec.asUser && process.getuid?.() === 0) {
    args = ['-u', spec.asUser, '--', command, ...args];
    command = 'runuser';
  }
  const child = spawn(command, args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined)
    throw new Error(`could not start ${spec.name} (${command}): see ${logPath(spec.name)}`);
  child.unref();
  fs.writeFileSync(pidPath(spec.name), `${child.pid}\n`);
  return child.pid;
}

/** Sends SIGTERM to the process group, waits up to `graceMs`, then SIGKILL. Removes the pid file. */
export async function stopDaemon(name: string, graceMs = 15_000): Promise<boolean> {
  const pid = readPid(name);
  fs.rmSync(pidPath(name), { force: true });
  if (pid === undefined || !isAlive(pid)) return false;
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(200);
  }
  signal('SIGKILL');
  return true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Polls `check` until it resolves true, failing after `timeoutMs` with the tail of the component's log,
 * or at once if the process it started has died.
 */
export async function waitUntil(
  name: string,
  check: () => Promise<boolean>,
  timeoutMs = 120_000,
  pid?: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (pid !== undefined && !isAlive(pid)) {
      throw new Error(
        `${name} exited during start-up; last lines of ${logPath(name)}:\n${tail(logPath(name))}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${name} did not become ready within ${timeoutMs / 1000}s; last lines of ${logPath(name)}:\n${tail(logPath(name))}`,
      );
    }
    await sleep(250);
  }
}

export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function step(message: string): void {
  process.stderr.write(`[stack] ${message}\n`);
}
