/**
 * Redis can lose jobs (flush, failover, a process killed mid-run); PostgreSQL cannot. Unfinished work recorded
 * there (candidates never evaluated, prompts never sent) is queued again:
 * - at once when no job in Redis refers to it any more (the queues were flushed or failed over), once it is a
 *   few seconds old: a row is written just before its job is queued, and must not be mistaken for lost then;
 * - in any case once it is older than the recovery deadline (a job that exists but never finishes).
 * Doing either twice is harmless: evaluation deduplicates on the prompt key, delivery is idempotent on it and a
 * lease keeps two senders apart. Candidates are queued again in batches, as a poll queues them.
 */
import type { Enqueue, Store } from './ports.ts';
import { evaluateJobsFor, type PolledCandidate, sendJobsFor } from './work.ts';

const BATCH = 500;

/** How old unfinished work must be before its absence from Redis counts as lost, not as about to be queued. */
const RECENT_WORK_GRACE_MS = 5_000;

export interface SweepResult {
  candidates: number;
  prompts: number;
}

/** The work the queues' own jobs refer to: candidates as `<pollRunId> <triggerRef>`, prompts by id. */
export interface QueuedWork {
  candidates: Set<string>;
  promptIds: Set<string>;
}

export interface SweepOptions {
  /** Work older than this is queued again whether or not a job in Redis refers to it. */
  staleBefore: Date;
  /** What Redis holds: work older than the grace that it does not refer to is queued again at once. */
  queued?: QueuedWork;
  /** @defaultValue Date.now() */
  now?: number;
}

export const candidateKey = (candidate: Pick<PolledCandidate, 'pollRunId' | 'triggerRef'>) =>
  `${candidate.pollRunId} ${candidate.triggerRef}`;

export async function requeueUnfinishedWork(ctx: { store: Store; enqueue: Enqueue }, options: SweepOptions): Promise<SweepResult> {
  const now = options.now ?? Date.now();
  const { queued, staleBefore } = options;
  const before = queued ? new Date(Math.max(staleBefore.getTime(), now - RECENT_WORK_GRACE_MS)) : staleBefore;
  const lost = (at: Date | null, inRedis: boolean) => (at ?? new Date(0)) < staleBefore || !inRedis;

  const candidates = await inBatches(
    (afterId) => ctx.store.findPendingCandidates(before, BATCH, afterId),
    async (rows) => {
      const wanted = rows.filter((row) => lost(row.createdAt, queued?.candidates.has(candidateKey(row.candidate)) ?? false));
      await ctx.enqueue.evaluations(evaluateJobsFor(wanted.map((row) => row.candidate)));
      return wanted.length;
    },
  );
  const prompts = await inBatches(
    (afterId) => ctx.store.findStaleQueued(before, BATCH, afterId, new Date(now)),
    async (rows) => {
      const wanted = rows.filter((row) => lost(row.queuedAt, queued?.promptIds.has(row.id) ?? false));
      const lapsesAt = (row: (typeof rows)[number]) => row.leaseUntil?.getTime() ?? 0;
      const free = wanted.filter((row) => lapsesAt(row) <= now).map((row) => row.id);
      await ctx.enqueue.sends(sendJobsFor(free));
      // A row a dead sender still leases is tried when the lease lapses, not before.
      for (const row of wanted.filter((row) => lapsesAt(row) > now)) await ctx.enqueue.send({ promptIds: [row.id] }, lapsesAt(row) - now);
      return wanted.length;
    },
  );
  return { candidates, prompts };
}

/** Pages through the rows by id; `handle` returns how many of a page it queued. */
async function inBatches<T extends { id: string }>(
  fetch: (afterId?: string) => Promise<T[]>,
  handle: (rows: T[]) => Promise<number>,
): Promise<number> {
  let total = 0;
  let afterId: string | undefined;
  for (;;) {
    const rows = await fetch(afterId);
    total += await handle(rows);
    if (rows.length < BATCH) return total;
    afterId = rows.at(-1)?.id;
  }
}
