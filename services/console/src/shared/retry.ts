// Retry a request on a flaky network (slow 4G): only failures worth retrying, with backoff.
export async function withRetry<T>(
  fn: () => Promise<T>,
  retryable: (e: unknown) => boolean,
  tries = 4,
  baseMs = 800,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (e) {
      if (attempt >= tries || !retryable(e)) throw e
      await sleep(baseMs * 2 ** (attempt - 1))
    }
  }
}
