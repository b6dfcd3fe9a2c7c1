/**
 * The outbox: one row per prompt, unique by idempotency key. Every status change writes an audit event in
 * the same transaction, so "what was sent and why" can always be answered from here.
 */

import type { Prisma, Prompt, PromptStatus } from '../generated/prisma/client.ts';
import type { Db } from './client.ts';

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
}

const ACTOR = 'careprompt';

/** What evaluation needs to know of a row that holds a key. */
export type PromptRef = Pick<Prompt, 'id' | 'idempotencyKey' | 'status'>;
const PROMPT_REF = { id: true, idempotencyKey: true, status: true } as const;

/**
 * Inserts the prompts whose keys do not exist yet, each with its audit event, in one statement (so all or
 * none); returns the rows that now hold every key, `inserted` false for keys another evaluation had written.
 * Plain SQL: Prisma's createMany spends about a millisecond of CPU per row, more than the rest of an evaluation.
 */
export async function insertPrompts(db: Db, prompts: readonly NewPrompt[]): Promise<Array<PromptRef & { inserted: boolean }>> {
  if (prompts.length === 0) return [];
  const drafted = JSON.stringify(
    prompts.map((prompt) => ({
      idempotency_key: prompt.idempotencyKey,
      campaign_id: prompt.campaignId,
      poll_run_id: prompt.pollRunId ?? null,
      patient_ref: prompt.patientRef,
      trigger_refs: prompt.triggerRefs,
      reason_ref: prompt.reasonRef ?? null,
      evidence: prompt.evidence,
      template_id: prompt.templateId,
      template_version: prompt.templateVersion ?? null,
      language: prompt.language ?? null,
      category: prompt.category,
      rendered_text: prompt.renderedText ?? null,
      status: prompt.status,
      reason: prompt.reason ?? null,
    })),
  );
  const now = new Date().toISOString();
  // Rows go in key order: two batches racing on the same keys lock them in the same order and cannot deadlock.
  // The timestamp columns are timestamp without time zone holding UTC, as Prisma writes them.
  const inserted = await db.$queryRaw<PromptRef[]>`
    WITH drafted AS (
      SELECT * FROM jsonb_to_recordset(${drafted}::jsonb) AS d(
        idempotency_key text, campaign_id text, poll_run_id uuid, patient_ref text, trigger_refs text[], reason_ref text,
        evidence jsonb, template_id text, template_version text, language text, category text, rendered_text text,
        status "PromptStatus", reason text)
    ), inserted AS (
      INSERT INTO prompts (id, idempotency_key, campaign_id, poll_run_id, patient_ref, trigger_refs, reason_ref, evidence,
        template_id, template_version, language, category, rendered_text, status, reason, created_at, updated_at, queued_at)
      SELECT gen_random_uuid(), d.idempotency_key, d.campaign_id, d.poll_run_id, d.patient_ref, d.trigger_refs, d.reason_ref,
        d.evidence, d.template_id, d.template_version, d.language, d.category, d.rendered_text, d.status, d.reason,
        ${now}::timestamptz AT TIME ZONE 'UTC', ${now}::timestamptz AT TIME ZONE 'UTC',
        CASE WHEN d.status = 'queued' THEN ${now}::timestamptz AT TIME ZONE 'UTC' END
      FROM drafted AS d ORDER BY d.idempotency_key
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id, idempotency_key, status, reason
    ), audited AS (
      INSERT INTO audit_events (id, actor, action, entity_type, entity_id, details)
      SELECT gen_random_uuid(), ${ACTOR}, 'prompt.' || i.status, 'Prompt', i.id::text,
        CASE WHEN i.reason IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('reason', i.reason) END
      FROM inserted AS i
    )
    SELECT id::text AS id, idempotency_key AS "idempotencyKey", status::text AS status FROM inserted`;
  // Read apart, after the insert: rows a concurrent evaluation committed while this one waited on their keys
  // are not in the insert's snapshot.
  const insertedKeys = new Set(inserted.map((row) => row.idempotencyKey));
  const existing = await findPromptsByKeys(
    db,
    prompts.map((prompt) => prompt.idempotencyKey).filter((key) => !insertedKeys.has(key)),
  );
  return [...inserted.map((row) => ({ ...row, inserted: true })), ...existing.map((row) => ({ ...row, inserted: false }))];
}

export async function getPrompt(db: Db, id: string): Promise<Prompt | undefined> {
  return (await db.prompt.findUnique({ where: { id } })) ?? undefined;
}

/** The rows holding any of these keys. */
export async function findPromptsByKeys(db: Db, idempotencyKeys: readonly string[]): Promise<PromptRef[]> {
  if (idempotencyKeys.length === 0) return [];
  return db.prompt.findMany({ where: { idempotencyKey: { in: [...idempotencyKeys] } }, select: PROMPT_REF });
}

/**
 * Which of these patients this campaign prompted (or holds a prompt for review for) on a decision made after
 * `since`. Decision time is the poll's reference time, not the row's creation: periodic rescans are one period
 * apart in poll time, while evaluation may lag its poll.
 */
export async function findRecentlyPrompted(db: Db, campaignId: string, patientRefs: readonly string[], since: Date): Promise<Set<string>> {
  if (patientRefs.length === 0) return new Set();
  const rows = await db.prompt.findMany({
    where: {
      campaignId,
      patientRef: { in: [...patientRefs] },
      status: { in: ['pending_review', 'queued', 'sent'] },
      pollRun: { asOf: { gt: since } },
    },
    select: { patientRef: true },
    distinct: ['patientRef'],
  });
  return new Set(rows.map((row) => row.patientRef));
}

/** What delivering a prompt needs of its row. */
export type SendablePrompt = Pick<
  Prompt,
  'id' | 'idempotencyKey' | 'patientRef' | 'triggerRefs' | 'reasonRef' | 'language' | 'category'
> & {
  renderedText: string;
};

/**
 * Counts a delivery attempt on a prompt that is queued with its text, and returns it; undefined when the prompt
 * is missing or not sendable (the caller reads it to say why). One round trip instead of a read and an update,
 * in plain SQL because it runs once per message.
 */
export async function claimForSending(db: Db, id: string): Promise<SendablePrompt | undefined> {
  const [claimed] = await db.$queryRaw<SendablePrompt[]>`
    UPDATE prompts SET attempts = attempts + 1
    WHERE id = ${id}::uuid AND status = 'queued' AND rendered_text IS NOT NULL
    RETURNING id::text AS id, idempotency_key AS "idempotencyKey", patient_ref AS "patientRef", trigger_refs AS "triggerRefs",
      reason_ref AS "reasonRef", language, category, rendered_text AS "renderedText"`;
  return claimed;
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
  await transition(db, id, ['queued'], { status: 'failed', reason }, { reason });
}

/** Moves a prompt only from the expected states; a concurrent duplicate job finds nothing to move. */
async function transition(
  db: Db,
  id: string,
  from: PromptStatus[],
  data: Prisma.PromptUpdateManyMutationInput & { status: PromptStatus },
  details: Record<string, string>,
): Promise<void> {
  await db.$transaction(async (tx) => {
    const { count } = await tx.prompt.updateMany({ where: { id, status: { in: from } }, data });
    if (count === 1) {
      await tx.auditEvent.create({ data: { actor: ACTOR, action: `prompt.${data.status}`, entityType: 'Prompt', entityId: id, details } });
    }
  });
}

/** Rows still owed a delivery past the deadline (their send job was lost), by id after `afterId`. */
export async function findStaleQueued(db: Db, queuedBefore: Date, limit: number, afterId?: string): Promise<string[]> {
  const rows = await db.prompt.findMany({
    where: { status: 'queued', queuedAt: { lt: queuedBefore }, ...(afterId ? { id: { gt: afterId } } : {}) },
    select: { id: true },
    orderBy: { id: 'asc' },
    take: limit,
  });
  return rows.map((row) => row.id);
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
