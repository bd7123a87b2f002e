// Issues `n` requests with `concurrency` of them in flight, noting when each was sent on the monotonic clock.

/** Runs fn(0..n-1), `concurrency` at a time; returns the elapsed ms and each request's send time. */
export async function inFlight(
  n: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
): Promise<{ ms: number; sentAt: number[] }> {
  const sentAt: number[] = new Array<number>(n);
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        sentAt[i] = performance.now();
        await fn(i);
      }
    }),
  );
  return { ms: performance.now() - start, sentAt };
}
