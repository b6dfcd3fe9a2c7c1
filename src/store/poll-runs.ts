/** Poll runs and the watermark they move. */
import type { Db } from './client.ts';

export async function startPollRun(db: Db, campaignId: string, asOf: Date, since: Date | undefined): Promise<string> {
  const run = await db.pollRun.create({ data: { campaignId, asOf, since: since ?? null }, select: { id: true } });
  return run.id;
}

/**
 * Completes a run and advances the campaign's watermark in one transaction, only after every page was handed
 * on: a crash before this point means the next poll searches the same range again (and deduplicates).
 */
export async function completePollRun(
  db: Db,
  runId: string,
  outcome: { matched: number; pages: number; fullScan: boolean },
): Promise<void> {
  await db.$transaction(async (tx) => {
    const run = await tx.pollRun.update({
      where: { id: runId },
      data: { status: 'completed', matched: outcome.matched, pages: outcome.pages, finishedAt: new Date() },
    });
    await tx.campaign.update({
      where: { id: run.campaignId },
      data: { watermark: run.asOf, lastPolledAt: run.asOf, ...(outcome.fullScan ? { lastFullScanAt: run.asOf } : {}) },
    });
  });
}

export async function failPollRun(db: Db, runId: string, error: string): Promise<void> {
  await db.pollRun.update({ where: { id: runId }, data: { status: 'failed', error, finishedAt: new Date() } });
}

export async function getPollRuns(db: Db, runIds: string[]) {
  return db.pollRun.findMany({ where: { id: { in: runIds } } });
}

/** The campaigns' runs that started at or after `since` (their poll's reference time), with the given status. */
export async function findPollRunsSince(db: Db, campaignIds: string[], since: Date, status: 'running' | 'completed' | 'failed') {
  return db.pollRun.findMany({ where: { campaignId: { in: campaignIds }, asOf: { gte: since }, status } });
}
