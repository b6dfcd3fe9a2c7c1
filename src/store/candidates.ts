/**
 * Candidates: trigger resources a poll handed on, recorded before the watermark moves. An evaluate job
 * lost in Redis is found here (evaluatedAt still null) and queued again.
 */
import type { Db } from './client.ts';

/** What evaluating a candidate came to, as the `candidates.outcome` column holds it. */
export const CANDIDATE_OUTCOMES = [
  'queued',
  'pending-review',
  'skipped',
  'already-handled',
  'recently-prompted',
  'no-match',
  'patient-not-found',
  'expired',
  'campaign-inactive',
  /** Failed for good: the trigger is not in the patient's record and the server refuses to read it. */
  'error',
] as const;
export type CandidateOutcome = (typeof CANDIDATE_OUTCOMES)[number];

export interface NewCandidate {
  pollRunId: string;
  campaignId: string;
  patientId: string;
  triggerRef: string;
}

/** Records a poll page's candidates in one statement; a candidate already recorded for the run stays as it is. */
export async function recordCandidates(db: Db, candidates: NewCandidate[]): Promise<void> {
  if (candidates.length === 0) return;
  const column = (field: keyof NewCandidate) => candidates.map((candidate) => candidate[field]);
  // Plain SQL: Prisma's createMany spends a quarter of a millisecond of CPU per row.
  await db.$executeRaw`
    INSERT INTO candidates (id, poll_run_id, campaign_id, patient_id, trigger_ref, created_at)
    SELECT gen_random_uuid(), c.poll_run_id, c.campaign_id, c.patient_id, c.trigger_ref, ${new Date().toISOString()}::timestamptz
    FROM unnest(${column('pollRunId')}::uuid[], ${column('campaignId')}::text[], ${column('patientId')}::text[], ${column('triggerRef')}::text[])
      AS c(poll_run_id, campaign_id, patient_id, trigger_ref)
    ON CONFLICT (poll_run_id, trigger_ref) DO NOTHING`;
}

/**
 * Records each candidate's evaluation outcome in one statement. Only candidates not yet evaluated move: a
 * repeated evaluation (a retried job, a sweep racing the original) keeps the first outcome.
 */
export async function markEvaluated(
  db: Db,
  pollRunId: string,
  outcomes: ReadonlyArray<{ triggerRef: string; outcome: CandidateOutcome }>,
): Promise<void> {
  if (outcomes.length === 0) return;
  const triggerRefs = outcomes.map((row) => row.triggerRef);
  const values = outcomes.map((row) => row.outcome);
  await db.$executeRaw`
    UPDATE candidates AS c
    SET outcome = o.outcome, evaluated_at = now()
    FROM unnest(${triggerRefs}::text[], ${values}::text[]::"CandidateOutcome"[]) AS o(trigger_ref, outcome)
    WHERE c.poll_run_id = ${pollRunId}::uuid AND c.trigger_ref = o.trigger_ref AND c.evaluated_at IS NULL`;
}

/** Candidates never evaluated, created before `createdBefore`, by id after `afterId`, with their poll's reference time. */
export async function findPendingCandidates(db: Db, createdBefore: Date, limit: number, afterId?: string) {
  const rows = await db.candidate.findMany({
    where: { evaluatedAt: null, createdAt: { lt: createdBefore }, ...(afterId ? { id: { gt: afterId } } : {}) },
    orderBy: { id: 'asc' },
    take: limit,
    include: { pollRun: { select: { asOf: true } } },
  });
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.createdAt,
    candidate: {
      pollRunId: row.pollRunId,
      campaignId: row.campaignId,
      patientId: row.patientId,
      triggerRef: row.triggerRef,
      asOf: row.pollRun.asOf.toISOString(),
    },
  }));
}

/** Evaluation outcomes of the given poll runs, by campaign and outcome (null: not evaluated yet). */
export async function countCandidateOutcomes(
  db: Db,
  pollRunIds: string[],
): Promise<Array<{ campaignId: string; outcome: CandidateOutcome | null; count: number }>> {
  // Plain SQL: it reads the column's own words ('no-match'), where Prisma's enum would rename them (no_match).
  return db.$queryRaw`
    SELECT campaign_id AS "campaignId", outcome::text AS outcome, count(*)::int AS count
    FROM candidates WHERE poll_run_id = ANY(${pollRunIds}::uuid[])
    GROUP BY campaign_id, outcome`;
}
