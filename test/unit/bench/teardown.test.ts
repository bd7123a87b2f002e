import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('bench: an interrupted benchmark undoes what it did', function () {
  this.timeout(30_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`on ${signal}: runs its undo steps, kills the process it started and exits 130`, async () => {
      const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-teardown-')), 'undone');
      const bench = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/unit/bench/fixtures/interrupted-bench.ts', marker],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve) =>
        bench.stdout.on('data', (d: Buffer) => d.includes('started') && resolve()),
      );
      const exited = new Promise<number | null>((resolve) => bench.once('exit', (code) => resolve(code)));
      bench.kill(signal);
      assert.equal(await exited, 130);
      const child = Number(fs.readFileSync(marker, 'utf8'));
      assert.ok(child > 0);
      assert.ok(!alive(child), `the started process ${child} is still running`);
    });
  }
});
