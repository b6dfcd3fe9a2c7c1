import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keepLease } from '../../src/pipeline/lease-keeper.ts';

const LEASE_MS = 30_000;

describe('keepLease', () => {
  let clock = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
  });
  afterEach(() => vi.useRealTimers());

  /** Moves both the timers and the keeper's clock, letting renewals settle. */
  async function advance(ms: number) {
    clock += ms;
    await vi.advanceTimersByTimeAsync(ms);
  }

  it('renews every third of the lease and stays held while renewals succeed', async () => {
    const renew = vi.fn(async () => 3);
    const lease = keepLease({ leaseMs: LEASE_MS, renew, onRenewalError: () => {}, now: () => clock });

    await advance(5 * LEASE_MS);

    expect(renew).toHaveBeenCalledTimes(15);
    expect(lease.held()).toBe(true);
    lease.stop();
    await advance(LEASE_MS);
    expect(renew).toHaveBeenCalledTimes(15);
  });

  it('lets go once renewals have failed for half the lease, and reports each failure', async () => {
    const errors: unknown[] = [];
    const lease = keepLease({
      leaseMs: LEASE_MS,
      renew: async () => {
        throw new Error('database unreachable');
      },
      onRenewalError: (error) => errors.push(error),
      now: () => clock,
    });

    await advance(LEASE_MS / 2 - 1);
    expect(lease.held()).toBe(true);
    await advance(1);
    expect(lease.held()).toBe(false);
    expect(errors).toHaveLength(1);
    lease.stop();
  });

  it('lets go when the lease is no longer this sender’s, though the database answers', async () => {
    let rows = 2;
    const lease = keepLease({ leaseMs: LEASE_MS, renew: async () => rows, onRenewalError: () => {}, now: () => clock });

    await advance(LEASE_MS / 3);
    expect(lease.held()).toBe(true);
    rows = 0;
    await advance(LEASE_MS / 3);
    expect(lease.held()).toBe(true);
    await advance(LEASE_MS / 3);
    // Last renewed at a third of the lease: two thirds later, less than half of it is known to be left.
    expect(lease.held()).toBe(false);
    lease.stop();
  });
});
