/** The outbox and the evaluations tallied for the metrics scrape. */
import type { Db } from './client.ts';

export async function promptTallies(db: Db): Promise<Array<{ campaign: string; status: string; count: number }>> {
  const groups = await db.prompt.groupBy({ by: ['campaignId', 'status'], _count: { _all: true } });
  return groups.map((group) => ({ campaign: group.campaignId, status: group.status, count: group._count._all }));
}

export async function decisionTallies(db: Db): Promise<Array<{ campaign: string; outcome: string; count: number }>> {
  const groups = await db.candidate.groupBy({ by: ['campaignId', 'outcome'], where: { outcome: { not: null } }, _count: { _all: true } });
  return groups.map((group) => ({ campaign: group.campaignId, outcome: group.outcome ?? 'unevaluated', count: group._count._all }));
}
