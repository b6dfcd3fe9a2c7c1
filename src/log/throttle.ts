/**
 * A connection that is down reports the same error on every reconnection attempt, several times a second
 * (144 lines for one Redis restart). The first error of a burst is logged at once; repeats within the interval
 * are counted and reported with the next line logged.
 */
import type { Logger } from 'pino';

export interface ThrottleOptions {
  /** @defaultValue 10000 */
  intervalMs?: number;
  now?: () => number;
}

export type ErrorReporter = (error: unknown) => void;

export function throttledErrorReporter(logger: Logger, message: string, options: ThrottleOptions = {}): ErrorReporter {
  const intervalMs = options.intervalMs ?? 10_000;
  const now = options.now ?? Date.now;
  let lastAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error) => {
    const at = now();
    if (at - lastAt < intervalMs) {
      suppressed += 1;
      return;
    }
    logger.error({ err: error, ...(suppressed > 0 ? { repeatsNotLogged: suppressed } : {}) }, message);
    lastAt = at;
    suppressed = 0;
  };
}
