// The operators a kill test starts one after another: the one running now, killed with SIGKILL and replaced by
// a fresh one, and every one ever started ended when the test ends, even when it fails or the test process
// exits without running its after hooks.
import { uniqueName, eventually } from '../../support/kube.ts';
import { startOperator, type OperatorProcess } from '../../support/operator.ts';

export class OperatorSuccession {
  private readonly alive = new Set<OperatorProcess>();
  private current?: OperatorProcess;
  private readonly onExit = () => {
    for (const op of this.alive) op.child.kill('SIGKILL');
  };

  constructor(
    private readonly prefix: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    process.on('exit', this.onExit);
  }

  /** The identity of the running operator (its log is test-operators/<identity>.log). */
  get identity(): string | undefined {
    return this.current?.identity;
  }

  /** Starts a fresh operator and waits until it says it is ready. */
  async start(): Promise<OperatorProcess> {
    const op = await startOperator(uniqueName(this.prefix), this.env);
    this.alive.add(op);
    op.child.once('exit', () => this.alive.delete(op));
    this.current = op;
    await eventually(`operator ${op.identity} ready`, async () => {
      if (op.child.exitCode !== null)
        throw new Error(`operator ${op.identity} exited with ${op.child.exitCode}`);
      return (await op.readyz())?.startsWith('200') ? true : undefined;
    });
    return op;
  }

  /** The running operator, or a fresh one when the last was killed (a round that failed before its restart). */
  async running(): Promise<OperatorProcess> {
    const op = this.current;
    if (op && op.child.exitCode === null && op.child.signalCode === null) return op;
    return this.start();
  }

  /** Kills the running operator with SIGKILL, as a crash: no shutdown, no clean-up. */
  async kill(): Promise<void> {
    const op = this.current;
    this.current = undefined;
    await op?.stop('SIGKILL');
    if (op && op.child.signalCode !== 'SIGKILL')
      throw new Error(`operator ${op.identity} ended on its own (${op.child.exitCode}) before the kill`);
  }

  /** Ends every operator still running and stops guarding the process's exit. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.alive].map((op) => op.stop('SIGKILL')));
    this.current = undefined;
    process.off('exit', this.onExit);
  }
}
