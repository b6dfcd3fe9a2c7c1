/**
 * Keeps a send lease alive while a batch is delivered, and says when it can no longer be trusted. A batch
 * can take many requests; if renewals stop succeeding (the database is unreachable, or another sender took
 * the rows after the lease lapsed), the sender must stop before the lease runs out, or a second sender could
 * claim and post the same prompts.
 */

export interface LeaseKeeperOptions {
  leaseMs: number;
  /** Renews the lease; resolves with how many rows it still held (0: the lease is gone). */
  renew: () => Promise<number>;
  /** Told when a renewal fails; the keeper goes on trying. */
  onRenewalError: (error: unknown) => void;
  /** Monotonic milliseconds. @defaultValue performance.now */
  now?: () => number;
}

export interface LeaseKeeper {
  /** True while at least half of the lease is known to be left: time enough to deliver one more message. */
  held(): boolean;
  stop(): void;
}

/** Starts renewing at a third of the lease, counting the lease from now (the claim). */
export function keepLease(options: LeaseKeeperOptions): LeaseKeeper {
  const now = options.now ?? (() => performance.now());
  let renewedAt = now();
  const timer = setInterval(() => {
    const asked = now();
    options.renew().then(
      (rows) => {
        if (rows > 0) renewedAt = asked;
      },
      (error: unknown) => options.onRenewalError(error),
    );
  }, options.leaseMs / 3);
  return {
    held: () => now() - renewedAt < options.leaseMs / 2,
    stop: () => clearInterval(timer),
  };
}
