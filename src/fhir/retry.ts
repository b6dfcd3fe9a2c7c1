/**
 * When to retry a FHIR request and how long to wait first. Pure: the client supplies the clock and the dice.
 */

/**
 * 408/429 and every 5xx may succeed later; other statuses will not change by asking again. A conditional create
 * may also meet 409 or 412 from a server that cannot serialize concurrent creates (PostgreSQL-backed ones answer
 * "could not serialize access"): the create is conditional on the prompt's identifier, so asking again is safe
 * and either creates it or returns the one made meanwhile.
 */
export function isTransient(status: number, request: 'conditional-create' | 'other' = 'other'): boolean {
  if (request === 'conditional-create' && (status === 409 || status === 412)) return true;
  return status === 408 || status === 429 || status >= 500;
}

export interface RetryDelayOptions {
  /** Ceiling of the first retry's delay; each later retry doubles it. */
  baseMs: number;
  /** The longest we hold a request open between two attempts. */
  maxMs: number;
  /** What the server asked for (Retry-After or a spent RateLimit quota), which beats our own backoff. */
  retryAfterMs?: number | undefined;
  /** A number in [0, 1); Math.random in production. */
  random: () => number;
}

/**
 * Delay before retrying after failed attempt number `attempt` (1-based): exponential backoff with full jitter
 * (uniform in [0, min(maxMs, baseMs·2^(attempt−1))), so clients that failed together spread out), or exactly the
 * server's Retry-After. Undefined when the server asks for more than maxMs: waiting that long belongs to the job
 * queue, and retrying sooner would only spend an attempt against a server that said it is busy.
 */
export function retryDelayMs(attempt: number, options: RetryDelayOptions): number | undefined {
  if (options.retryAfterMs !== undefined) {
    return options.retryAfterMs <= options.maxMs ? options.retryAfterMs : undefined;
  }
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
  return Math.floor(options.random() * ceiling);
}
