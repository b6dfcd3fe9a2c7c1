/**
 * When to retry a FHIR request and how long to wait first. Pure: the client supplies the clock and the dice.
 */

/** 408/429 and every 5xx may succeed later; other statuses will not change by asking again. */
export function isTransient(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export interface RetryDelayOptions {
  /** Ceiling of the first retry's delay; each later retry doubles it. */
  baseMs: number;
  /** The longest we hold a request open between two attempts. */
  maxMs: number;
  /** What the server asked for (Retry-After), which beats our own backoff. */
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

/**
 * Retry-After as milliseconds from `nowMs`: either delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`; a date in the past means now). Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form starts with a day name; checking it keeps Date.parse from reading "1.5" as a year.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
