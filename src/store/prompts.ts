/**
 * The outbox: one row per prompt, unique by idempotency key. Every status change writes an audit event in
 * the same transaction, so "what was sent and why" can always be answered from here.
 */

import { randomUUID } from 'node:crypto';
import type { Prisma, Prompt, PromptStatus } from '../generated/prisma/client.ts';
import { type Db, isUniqueViolation } from './client.ts';

export type { Prompt, PromptStatus };

export interface NewPrompt {
  idempotencyKey: string;
  campaignId: string;
  pollRunId?: string;
  patientRef: string;
  triggerRefs: string[];
  reasonRef?: string;
  evidence: Prisma.InputJsonValue;
  templateId: string;
  templateVersion?: string;
  language?: string;
  category: string;
  renderedText?: string;
  status: Extract<PromptStatus, 'pending_review' | 'queued' | 'skipped'>;
  reason?: string;
  /** When the prompt was decided: its expiry counts from here (the caller's clock). */
  decidedAt: Date;
}

const ACTOR = 'careprompt';

/** Inserts the prompt unless its key exists; either way returns the row that holds the key. */
export async function insertPromptIfAbsent(db: Db, prompt: NewPrompt): Promise<{ prompt: Prompt; inserted: boolean }> {
  // The id is chosen here so the row and its audit event go in one batch transaction (one round trip each,
  // no interactive transaction), rather than waiting for the insert to learn the id.
  const id = randomUUID();
  try {
    const [created] = await db.$transaction([
      db.prompt.create({ data: { id, ...withoutDecidedAt(prompt), queuedAt: prompt.status === 'queued' ? prompt.decidedAt : null } }),
      db.auditEvent.create({
        data: { actor: ACTOR, action: `prompt.${prompt.status}`, entityType: 'Prompt', entityId: id, details: auditDetails(prompt.reason) },
      }),
    ]);
    return { prompt: created, inserted: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await db.prompt.findUniqueOrThrow({ where: { idempotencyKey: prompt.idempotencyKey } });
    return { prompt: existing, inserted: false };
  }
}

function withoutDecidedAt({ decidedAt: _decidedAt, ...prompt }: NewPrompt) {
  return prompt;
}

export async function getPrompt(db: Db, id: string): Promise<Prompt | undefined> {
  return (await db.prompt.findUnique({ where: { id } })) ?? undefined;
}

export async function findPromptByKey(db: Db, idempotencyKey: string): Promise<Prompt | undefined> {
  return (await db.prompt.findUnique({ where: { idempotencyKey } })) ?? undefined;
}

/**
 * Whether this campaign prompted this patient (or holds a prompt for review) on a decision made after `since`.
 * Decision time is the poll's reference time, not the row's creation: periodic rescans are one period apart
 * in poll time, while evaluation may lag its poll.
 */
export async function hasRecentPrompt(db: Db, campaignId: string, patientRef: string, since: Date): Promise<boolean> {
  const found = await db.prompt.findFirst({
    where: { campaignId, patientRef, status: { in: ['pending_review', 'queued', 'sent'] }, pollRun: { asOf: { gt: since } } },
    select: { id: true },
  });
  return found !== null;
}

/**
 * Takes the lease on a queued prompt with its text, counting the attempt, and returns it; undefined when the
 * prompt is missing, not sendable, or leased by another sender (a concurrent run or worker). While the lease
 * holds, no one else delivers the prompt: a conditional create alone does not stop two concurrent POSTs on
 * every server. A sender that dies leaves the lease to expire; the sweep then queues the prompt again.
 */
export async function claimForSending(db: Db, id: string, leaseMs: number): Promise<Prompt | undefined> {
  const now = new Date();
  const [claimed] = await db.prompt.updateManyAndReturn({
    where: { id, status: 'queued', renderedText: { not: null }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
    data: { attempts: { increment: 1 }, leaseUntil: new Date(now.getTime() + leaseMs) },
  });
  return claimed;
}

/** Keeps the lease while a delivery is still under way (a slow server, in-request retries). */
export async function extendLease(db: Db, id: string, leaseMs: number): Promise<void> {
  await db.prompt.updateMany({ where: { id, status: 'queued' }, data: { leaseUntil: new Date(Date.now() + leaseMs) } });
}

/** Gives the lease back after a failed attempt, so the retry (by this or another sender) may go ahead. */
export async function releaseLease(db: Db, id: string): Promise<void> {
  await db.prompt.updateMany({ where: { id, status: 'queued' }, data: { leaseUntil: null } });
}

/**
 * Moves a queued (or failed) prompt to sent and writes its audit event, in one statement: the hottest write of
 * a run, so it is one round trip. A concurrent duplicate finds nothing to move and writes no event.
 */
export async function markSent(db: Db, id: string, communicationId: string, sentAt: Date): Promise<void> {
  const details = JSON.stringify({ communicationId });
  await db.$executeRaw`
    WITH moved AS (
      UPDATE prompts
      SET status = 'sent', communication_id = ${communicationId}, reason = NULL,
          -- The columns are timestamp without time zone holding UTC, as Prisma writes them.
          sent_at = ${sentAt.toISOString()}::timestamptz AT TIME ZONE 'UTC', updated_at = now() AT TIME ZONE 'UTC'
      WHERE id = ${id}::uuid AND status IN ('queued', 'failed')
      RETURNING id
    )
    INSERT INTO audit_events (id, actor, action, entity_type, entity_id, details)
    SELECT gen_random_uuid(), ${ACTOR}, 'prompt.sent', 'Prompt', moved.id::text, ${details}::jsonb FROM moved`;
}

export async function markFailed(db: Db, id: string, reason: string): Promise<void> {
  await transition(db, id, ['queued'], { status: 'failed', reason, leaseUntil: null }, { reason });
}

/** A queued prompt that must not go out after all (campaign paused, too late): recorded as skipped. */
export async function withdrawQueued(db: Db, id: string, reason: string): Promise<void> {
  await transition(db, id, ['queued'], { status: 'skipped', reason, leaseUntil: null }, { reason });
}

/** A queued prompt whose campaign now requires review goes back to the review queue. */
export async function holdForReview(db: Db, id: string): Promise<void> {
  await transition(db, id, ['queued'], { status: 'pending_review', leaseUntil: null }, {});
}

/** A reviewer's decision on a held prompt: approve queues it for sending, reject withholds it for good. */
export async function reviewPrompt(
  db: Db,
  id: string,
  review: { decision: 'approve' | 'reject'; reviewer: string; note?: string },
): Promise<boolean> {
  const details = { reviewer: review.reviewer, ...(review.note ? { note: review.note } : {}) };
  const reviewed = { reviewedBy: review.reviewer, reviewedAt: new Date() };
  const data =
    review.decision === 'approve'
      ? ({ ...reviewed, status: 'queued', queuedAt: new Date() } as const)
      : ({ ...reviewed, status: 'skipped', reason: `rejected in review${review.note ? `: ${review.note}` : ''}` } as const);
  return transition(db, id, ['pending_review'], data, details, review.reviewer);
}

/** Moves a prompt only from the expected states; a concurrent duplicate job finds nothing to move. */
async function transition(
  db: Db,
  id: string,
  from: PromptStatus[],
  data: Prisma.PromptUpdateManyMutationInput & { status: PromptStatus },
  details: Record<string, string>,
  actor = ACTOR,
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.prompt.updateMany({ where: { id, status: { in: from } }, data });
    if (count === 1) {
      await tx.auditEvent.create({ data: { actor, action: `prompt.${data.status}`, entityType: 'Prompt', entityId: id, details } });
    }
    return count === 1;
  });
}

/**
 * Rows still owed a delivery past the deadline (their send job was lost), by id after `afterId`, with the
 * lease a dead sender may have left on them: such a row can be sent again only once the lease lapses.
 */
export async function findStaleQueued(
  db: Db,
  queuedBefore: Date,
  limit: number,
  afterId?: string,
): Promise<Array<{ id: string; leaseUntil: Date | null }>> {
  return db.prompt.findMany({
    where: { status: 'queued', queuedAt: { lt: queuedBefore }, ...(afterId ? { id: { gt: afterId } } : {}) },
    select: { id: true, leaseUntil: true },
    orderBy: { id: 'asc' },
    take: limit,
  });
}

export interface PromptFilter {
  campaignId?: string;
  patientRef?: string;
  status?: PromptStatus;
  pollRunIds?: string[];
  limit?: number;
}

export async function listPrompts(db: Db, filter: PromptFilter): Promise<Prompt[]> {
  return db.prompt.findMany({
    where: whereOf(filter),
    orderBy: { createdAt: 'desc' },
    take: filter.limit ?? 100,
  });
}

export async function countPromptsByStatus(db: Db, filter: PromptFilter): Promise<Record<PromptStatus, number>> {
  const groups = await db.prompt.groupBy({ by: ['status'], where: whereOf(filter), _count: { _all: true } });
  const counts: Record<PromptStatus, number> = { pending_review: 0, queued: 0, sent: 0, failed: 0, skipped: 0 };
  for (const group of groups) counts[group.status] = group._count._all;
  return counts;
}

function whereOf(filter: PromptFilter): Prisma.PromptWhereInput {
  return {
    ...(filter.campaignId ? { campaignId: filter.campaignId } : {}),
    ...(filter.patientRef ? { patientRef: filter.patientRef } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.pollRunIds ? { pollRunId: { in: filter.pollRunIds } } : {}),
  };
}

function auditDetails(reason: string | undefined): Prisma.InputJsonValue {
  return reason ? { reason } : {};
}
