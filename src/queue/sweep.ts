/**
 * Redis can lose jobs (flush, failover, a process killed mid-run); PostgreSQL cannot. Work recorded there but
 * unfinished past a deadline is queued again: candidates never evaluated, prompts never sent. Doing either
 * twice is harmless: evaluation deduplicates on the prompt key, delivery is idempotent on it. Candidates are
 * queued again in batches, as a poll queues them.
 */
import { findPendingCandidates, findStaleQueued } from '../store/index.ts';
import type { Enqueue, Services } from './handlers/context.ts';
import { evaluateJobsFor, sendJobsFor } from './jobs.ts';

const BATCH = 500;

export interface SweepResult {
  candidates: number;
  prompts: number;
}

export async function requeueUnfinishedWork(services: Pick<Services, 'db'>, enqueue: Enqueue, before: Date): Promise<SweepResult> {
  const candidates = await inBatches(
    (afterId) => findPendingCandidates(services.db, before, BATCH, afterId),
    (rows) => enqueue.evaluations(evaluateJobsFor(rows.map((row) => row.candidate))),
  );
  const prompts = await inBatches(
    (afterId) => findStaleQueued(services.db, before, BATCH, afterId),
    async (rows) => {
      const now = Date.now();
      const lapsesAt = (row: (typeof rows)[number]) => row.leaseUntil?.getTime() ?? 0;
      await enqueue.sends(sendJobsFor(rows.filter((row) => lapsesAt(row) <= now).map((row) => row.id)));
      // A row a dead sender still leases is tried when the lease lapses, not before.
      for (const row of rows.filter((row) => lapsesAt(row) > now)) await enqueue.send({ promptIds: [row.id] }, lapsesAt(row) - now);
    },
  );
  return { candidates, prompts };
}

async function inBatches<T extends { id: string }>(
  fetch: (afterId?: string) => Promise<T[]>,
  handle: (rows: T[]) => Promise<void>,
): Promise<number> {
  let total = 0;
  let afterId: string | undefined;
  for (;;) {
    const rows = await fetch(afterId);
    await handle(rows);
    total += rows.length;
    if (rows.length < BATCH) return total;
    afterId = rows.at(-1)?.id;
  }
}
