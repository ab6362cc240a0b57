import assert from 'node:assert/strict';

/** True for the error a read throws while the file it wants has not been written yet. */
function notWrittenYet(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * The one bounded poll of the test suites: calls `cond` every `everyMs` until it returns a truthy
 * value (returned) or `timeoutMs` passes (the test fails naming `what`). A read of a file that
 * does not exist yet (ENOENT) counts as "not yet": a job writes its files in its own order, so
 * seeing one of them says nothing about the others. Any other error fails at once.
 */
export async function poll<T>(
  what: string,
  cond: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  everyMs = 10,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let missing = '';
  for (;;) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (err) {
      if (!notWrittenYet(err)) throw err;
      missing = ` (last: ${(err as Error).message})`;
    }
    if (Date.now() > end) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${missing}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
