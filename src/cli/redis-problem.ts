/**
 * Redis that does not answer, told in one line: ioredis gives up on a command after its retries with an error that
 * names neither the variable nor the address.
 */

/** The error class ioredis gives up with (its package exports no class to test against). */
const GAVE_UP = 'MaxRetriesPerRequestError';

/** One line naming REDIS_URL's host and port (never the password) when `error` is ioredis giving up. */
export function redisProblem(error: unknown, redisUrl: () => string): string | undefined {
  if (!(error instanceof Error) || error.name !== GAVE_UP) return undefined;
  const text = redisUrl();
  const url = URL.canParse(text) ? new URL(text) : undefined;
  const where = url ? `host ${url.hostname || '?'}, port ${url.port || '6379'}` : 'unparseable';
  return `cannot use the Redis of REDIS_URL (${where}): it did not answer; start Redis there or fix REDIS_URL`;
}
