// The counterpart of `eventually` (kube.ts) for what must keep holding: the check runs again and again over a
// window and the first time it does not hold fails the test. The window is part of the claim ("stays so for
// N ms"): its length changes how much is checked, never whether a correct system passes.

/**
 * Runs `violation` every `everyMs` for `windowMs`; it returns undefined while all is well, or what is wrong.
 * Resolves with the number of checks made (at least two: one at the start, one at the end).
 */
export async function throughout(
  what: string,
  violation: () => Promise<string | undefined>,
  windowMs: number,
  everyMs = 100,
): Promise<number> {
  const end = Date.now() + windowMs;
  let checks = 0;
  for (;;) {
    const wrong = await violation();
    checks++;
    if (wrong !== undefined) throw new Error(`${what} stopped holding after ${checks} checks: ${wrong}`);
    if (Date.now() >= end && checks >= 2) return checks;
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(everyMs, end - Date.now()))));
  }
}
