// What a benchmark must undo, however it ends: the processes it started and the objects it created. Steps run
// last-registered first, once, whether the run finished, threw, or was interrupted (SIGINT, SIGTERM, SIGHUP).
// A second signal while undoing stops waiting on the API server but still kills the processes; the process
// 'exit' hook kills any child still alive as a last resort, since a benchmark that leaves an operator or a
// scheduler running would race whoever uses the shared stack next.
import type { ChildProcess } from 'node:child_process';

interface Step {
  what: string;
  run(): Promise<void>;
}

const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class Teardown {
  private readonly steps: Step[] = [];
  private readonly children = new Set<ChildProcess>();
  private running?: Promise<void>;
  private interrupted = false;

  constructor(private readonly log: (msg: string) => void) {
    for (const signal of signals) process.on(signal, () => void this.onSignal(signal));
    process.on('exit', () => {
      for (const child of this.children) if (alive(child)) child.kill('SIGKILL');
    });
  }

  /** Registers an undo step; steps run in reverse order of registration. */
  add(what: string, run: () => Promise<void> | void): void {
    this.steps.push({ what, run: async () => run() });
  }

  /** Kills `child` at teardown (SIGTERM, then SIGKILL after `graceMs`) and at exit if it still runs. */
  adopt(child: ChildProcess, what: string, graceMs = 20_000): void {
    this.children.add(child);
    this.add(`stop ${what} (pid ${child.pid})`, () => stopChild(child, graceMs));
  }

  /** A point to unwind to: unwindTo(mark) undoes only what was registered after it. */
  mark(): number {
    return this.steps.length;
  }

  /** Runs, last first, the steps registered since `mark`, so a phase can clean up before the next starts. */
  async unwindTo(mark: number): Promise<void> {
    while (this.steps.length > mark) await this.runStep(this.steps.pop()!);
  }

  /** Runs every step once; later calls wait for the first. */
  run(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  private async runSteps(): Promise<void> {
    while (this.steps.length > 0) await this.runStep(this.steps.pop()!);
  }

  private async runStep(step: Step): Promise<void> {
    try {
      await step.run();
    } catch (err) {
      this.log(`teardown: ${step.what} failed: ${String(err)}`);
    }
  }

  private async onSignal(signal: string): Promise<void> {
    if (this.interrupted) {
      this.log(`${signal} again: killing the processes this run started and leaving the rest`);
      for (const child of this.children) if (alive(child)) child.kill('SIGKILL');
      process.exit(130);
    }
    this.interrupted = true;
    this.log(`${signal}: undoing what this run created (send it again to only kill its processes)`);
    await this.run();
    process.exit(130);
  }
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
  if ((await Promise.race([exited, late])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}
