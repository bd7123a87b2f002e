// How a benchmark that starts processes and creates objects runs: its body gets a Teardown, and whatever
// happens (a result, a refusal, an error, a signal) the teardown runs before the process exits.
import { Refused, refusedExitCode } from './refused.ts';
import { Teardown } from './teardown.ts';

export async function runBench(
  log: (msg: string) => void,
  body: (teardown: Teardown) => Promise<void>,
): Promise<never> {
  const teardown = new Teardown(log);
  let code = 0;
  try {
    await body(teardown);
  } catch (err) {
    if (err instanceof Refused) {
      console.error(err.message);
      code = refusedExitCode;
    } else {
      console.error(err);
      code = 1;
    }
  } finally {
    log('cleaning up');
    await teardown.run();
  }
  // Nothing is left to wait for; open keep-alive connections would otherwise hold the process.
  process.exit(code);
}
