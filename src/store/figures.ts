/**
 * What the campaign list shows: per campaign, the prompts made today and in the last 30 days by outcome (sent,
 * deferred, skipped by reason, failed, pending review). One grouped query over the outbox.
 */
import type { Db } from './client.ts';

export interface PeriodFigures {
  sent: number;
  /** Queued with a later not-before (quiet hours, caps): owed, not yet due. */
  deferred: number;
  queued: number;
  failed: number;
  pendingReview: number;
  skipped: number;
  skippedByReason: Record<string, number>;
}

export interface CampaignFigures {
  today: PeriodFigures;
  last30Days: PeriodFigures;
}

const DAY_MS = 86_400_000;

function emptyPeriod(): PeriodFigures {
  return { sent: 0, deferred: 0, queued: 0, failed: 0, pendingReview: 0, skipped: 0, skippedByReason: {} };
}

/** `now` and the start of "today" (midnight UTC) come from the caller's clock. */
export async function campaignFigures(db: Db, now: Date): Promise<Map<string, CampaignFigures>> {
  const since = new Date(now.getTime() - 30 * DAY_MS);
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const rows = await db.$queryRaw<
    Array<{ campaign_id: string; status: string; reason: string | null; deferred: boolean; today: boolean; n: number }>
  >`
    SELECT campaign_id, status::text AS status,
      -- A criteria skip's reason ends with what decided it, one patient's record: counted by the criterion alone.
      CASE WHEN status <> 'skipped' THEN NULL WHEN rule = 'criteria' THEN split_part(reason, ' (', 1) ELSE reason END AS reason,
      (status = 'queued' AND not_before > ${now}::timestamptz) AS deferred,
      created_at >= ${today}::timestamptz AS today, count(*)::int AS n
    FROM prompts WHERE created_at >= ${since}::timestamptz
    GROUP BY 1, 2, 3, 4, 5`;
  const figures = new Map<string, CampaignFigures>();
  for (const row of rows) {
    const campaign = figures.get(row.campaign_id) ?? { today: emptyPeriod(), last30Days: emptyPeriod() };
    figures.set(row.campaign_id, campaign);
    for (const period of row.today ? [campaign.today, campaign.last30Days] : [campaign.last30Days]) add(period, row);
  }
  return figures;
}

function add(period: PeriodFigures, row: { status: string; reason: string | null; deferred: boolean; n: number }): void {
  if (row.status === 'sent') period.sent += row.n;
  else if (row.status === 'failed') period.failed += row.n;
  else if (row.status === 'pending_review') period.pendingReview += row.n;
  else if (row.status === 'queued' && row.deferred) period.deferred += row.n;
  else if (row.status === 'queued') period.queued += row.n;
  else if (row.status === 'skipped') {
    period.skipped += row.n;
    const reason = row.reason ?? 'unknown';
    period.skippedByReason[reason] = (period.skippedByReason[reason] ?? 0) + row.n;
  }
}
