// `npm run drift:history -- --tenant T` against the real stack: after an instance was stopped at the cloud's
// console and started again by the operator, the command lists what was detected, the remediation and its
// outcome for the tenant, newest first, as lines and as JSON, and filters by kind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DriftStack, runningAndInSync } from './drift-stack.ts';

const run = promisify(execFile);

async function driftHistory(...args: string[]): Promise<string> {
  const { stdout } = await run('npm', ['run', '-s', 'drift:history', '--', ...args], {
    env: process.env,
    timeout: 60_000,
  });
  return stdout;
}

describe('integration: npm run drift:history', function () {
  this.timeout(300_000);
  const stack = new DriftStack('history');
  let planHash: string;

  before(async () => {
    await stack.start();
    await stack.createCompute('web');
    const c = await stack.waitCompute('web', 'Running and in sync', runningAndInSync);
    await stack.console.setPower(c.status!.providerId!, 'stopped');
    await stack.historyRow(c.metadata.uid!, 'cleared');
    planHash = (await stack.historyRow(c.metadata.uid!, 'remediating')).plan_hash!;
  });
  after(async () => {
    await stack.close();
  });

  it('lists the detection, the remediation and its outcome, newest first', async () => {
    const lines = (await driftHistory('--tenant', stack.tenant)).trim().split('\n');
    const at = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}/;
    assert.ok(
      lines.every((l) => at.test(l)),
      lines.join('\n'),
    );
    // Columns are set apart by runs of spaces (an entry with no detail leaves a wider gap): compared as words.
    const rest = lines.map((l) => l.replace(at, '').replace(/ +/g, ' '));
    const object = `Compute ${stack.ns}/web`;
    assert.deepEqual(rest, [
      `${object} cleared the outside resource matches the spec again`,
      `${object} remediated [plan ${planHash}]`,
      `${object} remediating powerState value_changed (functional) revert: "Running" -> "Stopped" [plan ${planHash}]`,
      `${object} detected powerState value_changed (functional) revert: "Running" -> "Stopped"`,
    ]);
  });

  it('prints JSON with --json, and nothing of other kinds with --kind', async () => {
    const entries = JSON.parse(await driftHistory('--tenant', stack.tenant, '--json')) as {
      event: string;
      path: string | null;
      plan_hash: string | null;
    }[];
    assert.deepEqual(
      entries.map((e) => [e.event, e.path, e.plan_hash]),
      [
        ['cleared', null, null],
        ['remediated', null, planHash],
        ['remediating', 'powerState', planHash],
        ['detected', 'powerState', null],
      ],
    );
    assert.equal(
      (await driftHistory('--tenant', stack.tenant, '--kind', 'Volume')).trim(),
      `no drift recorded for tenant ${stack.tenant}`,
    );
  });
});
