/**
 * The outbox: one row per prompt, unique by idempotency key. Every status change writes an audit event in
 * the same transaction, so "what was sent and why" can always be answered from here.
 */

import { lineDiff } from '../diff/index.ts';
import type { CommunicationCategory } from '../fhir/index.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from './client.ts';

export const PROMPT_STATUSES = ['pending_review', 'queued', 'sent', 'failed', 'skipped'] as const;
export type PromptStatus = (typeof PROMPT_STATUSES)[number];

/** A prompt row as the rest of careprompt sees it (Prisma's own types stay in this folder). */
export interface Prompt {
  id: string;
  idempotencyKey: string;
  campaignId: string;
  /** The campaign version it was decided under (null: decided before versions were kept). */
  campaignVersion: number | null;
  pollRunId: string | null;
  patientRef: string;
  triggerRefs: string[];
  reasonRef: string | null;
  evidence: unknown;
  templateId: string;
  templateVersion: string | null;
  language: string | null;
  category: CommunicationCategory;
  renderedText: string | null;
  status: PromptStatus;
  reason: string | null;
  /** The rule behind the status (`criteria`, `excluded`, `opt-out`…), where one decided it. */
  rule: string | null;
  /** The transport that delivers it (its campaign's channel when it was written). */
  channel: string;
  /** The delivered message's id in the channel's system. */
  externalId: string | null;
  /** Delivery was deferred until this instant: neither the claim nor the sweep takes it before. */
  notBefore: Date | null;
  attempts: number;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  leaseUntil: Date | null;
  leaseToken: string | null;
  createdAt: Date;
  updatedAt: Date;
  queuedAt: Date | null;
  sentAt: Date | null;
}

/** The actions audit events record. */
export type AuditAction =
  | `prompt.${PromptStatus | 'deferred' | 'edited'}`
  | `campaign.${'created' | 'updated' | 'activated' | 'paused'}`
  | `patient.${'opted-out' | 'opted-in' | 'results-by-message'}`;

export interface NewPrompt {
  idempotencyKey: string;
  campaignId: string;
  campaignVersion?: number;
  pollRunId?: string;
  patientRef: string;
  triggerRefs: string[];
  reasonRef?: string;
  /** The EHR facts behind the prompt, for the clinician's review: stored as JSON. */
  evidence: Readonly<Record<string, unknown>>;
  templateId: string;
  templateVersion?: string;
  language?: string;
  category: CommunicationCategory;
  /** The transport that will deliver it: the campaign's channel. */
  channel: string;
  renderedText?: string;
  status: Extract<PromptStatus, 'pending_review' | 'queued' | 'skipped'>;
  /** For a skip or a deferral: the rule behind it (opt-out, language, window, cap, …), which its audit event names. */
  rule?: string;
  reason?: string;
  /** When the prompt was decided: its expiry counts from here (the caller's clock). */
  decidedAt: Date;
  /** The campaign's priority: of two prompts competing for a slot, the higher goes first. */
  priority?: number;
  /** The patient's time zone, in which the send window is read at send time. */
  timezone?: string;
  /** Queued but deferred at decision (quiet hours, a cap: `rule`): not sent before this, with the reason audited. */
  deferred?: { until: Date; reason: string };
}

/** The actor of the audit events careprompt writes itself (a reviewer's carry the reviewer). */
export const SYSTEM_ACTOR = 'careprompt';

/** What evaluation needs to know of a row that holds a key. */
export type PromptRef = Pick<Prompt, 'id' | 'idempotencyKey' | 'status' | 'rule'>;
const PROMPT_REF = { id: true, idempotencyKey: true, status: true, rule: true } as const;

/**
 * Skips that rest on the patient's record as it was, not on a fact that stays true: a later evaluation (the
 * record changed) may decide such a prompt again. Every other row is final for its key.
 */
export const REDECIDABLE_RULES: readonly string[] = ['criteria', 'excluded'];

/**
 * Inserts the prompts whose keys do not exist yet (or replaces a redecidable skip), each with its audit event, in
 * one statement (so all or none); returns the rows that now hold every key, `inserted` false for keys another
 * evaluation had written.
 * Plain SQL: Prisma's createMany spends about a millisecond of CPU per row, more than the rest of an evaluation.
 */
export async function insertPrompts(db: Db, prompts: readonly NewPrompt[]): Promise<Array<PromptRef & { inserted: boolean }>> {
  if (prompts.length === 0) return [];
  const drafted = JSON.stringify(
    prompts.map((prompt) => ({
      idempotency_key: prompt.idempotencyKey,
      campaign_id: prompt.campaignId,
      campaign_version: prompt.campaignVersion ?? null,
      poll_run_id: prompt.pollRunId ?? null,
      patient_ref: prompt.patientRef,
      trigger_refs: prompt.triggerRefs,
      reason_ref: prompt.reasonRef ?? null,
      evidence: prompt.evidence,
      template_id: prompt.templateId,
      template_version: prompt.templateVersion ?? null,
      language: prompt.language ?? null,
      category: prompt.category,
      channel: prompt.channel,
      rendered_text: prompt.renderedText ?? null,
      status: prompt.status,
      reason: prompt.reason ?? null,
      rule: prompt.rule ?? null,
      queued_at: prompt.status === 'queued' ? prompt.decidedAt.toISOString() : null,
      priority: prompt.priority ?? 0,
      timezone: prompt.timezone ?? null,
      not_before: prompt.deferred?.until.toISOString() ?? null,
      deferral: prompt.deferred?.reason ?? null,
    })),
  );
  const now = new Date().toISOString();
  // Rows go in key order: two batches racing on the same keys lock them in the same order and cannot deadlock.
  const inserted = await db.$queryRaw<PromptRef[]>`
    WITH drafted AS (
      SELECT * FROM jsonb_to_recordset(${drafted}::jsonb) AS d(
        idempotency_key text, campaign_id text, campaign_version int, poll_run_id uuid, patient_ref text, trigger_refs text[], reason_ref text,
        evidence jsonb, template_id text, template_version text, language text, category "PromptCategory", channel text,
        rendered_text text, status "PromptStatus", reason text, rule text, queued_at timestamptz, priority int, timezone text,
        not_before timestamptz, deferral text)
    ), inserted AS (
      INSERT INTO prompts (id, idempotency_key, campaign_id, campaign_version, poll_run_id, patient_ref, trigger_refs, reason_ref, evidence,
        template_id, template_version, language, category, channel, rendered_text, status, reason, created_at, updated_at, queued_at,
        priority, timezone, not_before, rule)
      SELECT gen_random_uuid(), d.idempotency_key, d.campaign_id, d.campaign_version, d.poll_run_id, d.patient_ref, d.trigger_refs, d.reason_ref,
        d.evidence, d.template_id, d.template_version, d.language, d.category, d.channel, d.rendered_text, d.status, d.reason,
        ${now}::timestamptz, ${now}::timestamptz, d.queued_at, d.priority, d.timezone, d.not_before,
        -- A draft's rule says why it is skipped; a deferral's rule is audited, not kept on a row that will be sent.
        CASE WHEN d.status = 'skipped' THEN d.rule END
      FROM drafted AS d ORDER BY d.idempotency_key
      ON CONFLICT (idempotency_key) DO UPDATE SET
        campaign_version = EXCLUDED.campaign_version, poll_run_id = EXCLUDED.poll_run_id, trigger_refs = EXCLUDED.trigger_refs,
        reason_ref = EXCLUDED.reason_ref, evidence = EXCLUDED.evidence, template_id = EXCLUDED.template_id,
        template_version = EXCLUDED.template_version, language = EXCLUDED.language, category = EXCLUDED.category,
        channel = EXCLUDED.channel, rendered_text = EXCLUDED.rendered_text, status = EXCLUDED.status, reason = EXCLUDED.reason,
        updated_at = EXCLUDED.updated_at, queued_at = EXCLUDED.queued_at, priority = EXCLUDED.priority, timezone = EXCLUDED.timezone,
        not_before = EXCLUDED.not_before, rule = EXCLUDED.rule
      WHERE prompts.status = 'skipped' AND prompts.rule = ANY(${REDECIDABLE_RULES as string[]}::text[])
      RETURNING id, idempotency_key, status, reason, not_before, rule
    ), audited AS (
      INSERT INTO audit_events (id, at, actor, action, entity_type, entity_id, details)
      SELECT gen_random_uuid(), now(), ${SYSTEM_ACTOR}, CASE WHEN i.not_before IS NULL THEN 'prompt.' || i.status ELSE 'prompt.deferred' END,
        'Prompt', i.id::text,
        CASE WHEN i.not_before IS NOT NULL THEN jsonb_build_object('rule', d.rule, 'reason', d.deferral, 'until', i.not_before)
          ELSE jsonb_strip_nulls(jsonb_build_object('rule', d.rule, 'reason', i.reason)) END
      FROM inserted AS i JOIN drafted AS d ON d.idempotency_key = i.idempotency_key
    )
    SELECT id::text AS id, idempotency_key AS "idempotencyKey", status::text AS status, rule FROM inserted`;
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

/** The status of each of these prompts that exists, by id. */
export async function getPromptStatuses(db: Db, ids: readonly string[]): Promise<Map<string, PromptStatus>> {
  const rows = await db.prompt.findMany({ where: { id: { in: [...ids] } }, select: { id: true, status: true } });
  return new Map(rows.map((row) => [row.id, row.status]));
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

export async function markFailed(db: Db, id: string, reason: string): Promise<void> {
  await transition(db, id, ['queued'], { status: 'failed', reason, leaseUntil: null, leaseToken: null }, { reason });
}

/** A queued prompt that must not go out after all (campaign paused, patient opted out, too late), with the rule that says so. */
export interface Withdrawal {
  id: string;
  rule: string;
  reason: string;
}

/** Records the withdrawals as skipped, each with its audit event, in one statement. */
export async function withdrawQueued(db: Db, withdrawals: readonly Withdrawal[]): Promise<void> {
  if (withdrawals.length === 0) return;
  const withdrawn = JSON.stringify(withdrawals);
  await db.$executeRaw`
    WITH withdrawn AS (
      SELECT * FROM jsonb_to_recordset(${withdrawn}::jsonb) AS w(id uuid, rule text, reason text)
    ), moved AS (
      UPDATE prompts AS p
      SET status = 'skipped', reason = w.reason, rule = w.rule, lease_until = NULL, lease_token = NULL, updated_at = now()
      FROM withdrawn AS w
      WHERE p.id = w.id AND p.status = 'queued'
      RETURNING p.id, w.rule, w.reason
    )
    INSERT INTO audit_events (id, at, actor, action, entity_type, entity_id, details)
    SELECT gen_random_uuid(), now(), ${SYSTEM_ACTOR}, 'prompt.skipped', 'Prompt', moved.id::text,
      jsonb_build_object('rule', moved.rule, 'reason', moved.reason)
    FROM moved`;
}

/** A send-time "not yet": from when, why, and the prompt's words for then (absent: its words stand). */
export interface SendDeferral {
  until: Date;
  reason: string;
  rule: string;
  text?: string;
}

/**
 * A send-time policy's "not yet" for a prompt this sender holds: it may go out from `notBefore` on. The lease is
 * given back and the claim's attempt taken back (nothing was delivered, so a later claim need not look for an
 * earlier delivery). False when the lease is no longer this sender's.
 */
export async function deferQueued(db: Db, id: string, leaseToken: string, deferral: SendDeferral): Promise<boolean> {
  const { until, reason, rule, text } = deferral;
  return db.$transaction(async (tx) => {
    const { count } = await tx.prompt.updateMany({
      where: { id, status: 'queued', leaseToken },
      data: {
        notBefore: until,
        slotAt: null,
        leaseUntil: null,
        leaseToken: null,
        attempts: { decrement: 1 },
        ...(text === undefined ? {} : { renderedText: text }),
      },
    });
    const reworded: Record<string, string> = text === undefined ? {} : { reworded: 'yes' };
    if (count === 1) await audit(tx, 'prompt.deferred', id, { rule, reason, until: until.toISOString(), ...reworded });
    return count === 1;
  });
}

/** A queued prompt whose campaign now requires review goes back to the review queue. */
/** `reason`: why a rule beyond `review: required` holds it (results by message taken back), kept on the row. */
export async function holdForReview(db: Db, id: string, reason?: string): Promise<void> {
  const held = { status: 'pending_review' as const, leaseUntil: null, leaseToken: null, ...(reason ? { reason } : {}) };
  await transition(db, id, ['queued'], held, { rule: 'review', ...(reason ? { reason } : {}) });
}

/**
 * A reviewer's decision on a held prompt: approve queues it for sending, reject withholds it for good. `text`: the
 * reviewer's edit of the message, approved with it; the edit is audited with its diff and the editor.
 */
export async function reviewPrompt(
  db: Db,
  id: string,
  review: { decision: 'approve' | 'reject'; reviewer: string; note?: string; text?: string },
): Promise<boolean> {
  if (review.decision === 'approve' && review.text !== undefined) return editThenApprove(db, id, { ...review, text: review.text });
  const details = { reviewer: review.reviewer, ...(review.note ? { note: review.note } : {}) };
  const reviewed = { reviewedBy: review.reviewer, reviewedAt: new Date() };
  const data =
    review.decision === 'approve'
      ? ({ ...reviewed, status: 'queued', queuedAt: new Date() } as const)
      : ({ ...reviewed, status: 'skipped', reason: `rejected in review${review.note ? `: ${review.note}` : ''}` } as const);
  return transition(db, id, ['pending_review'], data, details, review.reviewer);
}

async function editThenApprove(db: Db, id: string, review: { reviewer: string; note?: string; text: string }): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const [held] = await tx.$queryRaw<Array<{ rendered_text: string | null }>>`
      SELECT rendered_text FROM prompts WHERE id = ${id}::uuid AND status = 'pending_review' FOR UPDATE`;
    if (!held) return false;
    const now = new Date();
    await tx.prompt.update({
      where: { id },
      data: { renderedText: review.text, status: 'queued', queuedAt: now, reviewedBy: review.reviewer, reviewedAt: now },
    });
    await audit(
      tx,
      'prompt.edited',
      id,
      { editor: review.reviewer, diff: lineDiff(held.rendered_text ?? '', review.text) },
      review.reviewer,
    );
    await audit(tx, 'prompt.queued', id, { reviewer: review.reviewer, ...(review.note ? { note: review.note } : {}) }, review.reviewer);
    return true;
  });
}

/**
 * An operator's retry of a failed prompt, once its cause is fixed: queued again, its expiry still counting from
 * when it was first sendable, the failure reason moved into the audit event with who asked. `forced`: queued
 * anew (its expiry counting from now), audited as forced, for a prompt past its expiry the operator sends anyway.
 * The conditional create on the prompt's key still makes the message at most once. False when the prompt is
 * not (or no longer) failed.
 */
export async function retryFailed(db: Db, id: string, actor: string, options: { forced?: boolean } = {}): Promise<boolean> {
  const prompt = await db.prompt.findUnique({ where: { id }, select: { status: true, reason: true } });
  if (prompt?.status !== 'failed') return false;
  const details = { retriedBy: actor, ...(prompt.reason ? { failure: prompt.reason } : {}), ...(options.forced ? { forced: 'true' } : {}) };
  const anew = options.forced ? { queuedAt: new Date(), notBefore: null } : {};
  return transition(db, id, ['failed'], { status: 'queued', reason: null, ...anew }, details, actor);
}

/** A failed prompt, with what its expiry counts from (see the send policy). */
export type FailedPrompt = Pick<Prompt, 'id' | 'queuedAt' | 'notBefore' | 'createdAt'>;

/** The failed prompts of a campaign, those that failed at or after `since` when given, oldest failure first. */
export async function findFailedPrompts(db: Db, campaignId: string, since?: Date): Promise<FailedPrompt[]> {
  return db.prompt.findMany({
    where: { campaignId, status: 'failed', ...(since ? { updatedAt: { gte: since } } : {}) },
    select: { id: true, queuedAt: true, notBefore: true, createdAt: true },
    orderBy: { updatedAt: 'asc' },
  });
}

/** Moves a prompt only from the expected states; a concurrent duplicate job finds nothing to move. */
async function transition(
  db: Db,
  id: string,
  from: PromptStatus[],
  data: Omit<Prisma.PromptUpdateManyMutationInput, 'status'> & { status: PromptStatus },
  details: Record<string, string>,
  actor = SYSTEM_ACTOR,
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.prompt.updateMany({ where: { id, status: { in: from } }, data });
    if (count === 1) await audit(tx, `prompt.${data.status}`, id, details, actor);
    return count === 1;
  });
}

function audit(tx: Prisma.TransactionClient, action: AuditAction, promptId: string, details: Record<string, string>, actor = SYSTEM_ACTOR) {
  return tx.auditEvent.create({ data: { actor, action, entityType: 'Prompt', entityId: promptId, details } });
}

/**
 * Rows still owed a delivery, queued before `queuedBefore`, by id after `afterId`, with the lease a dead sender
 * may have left on them: such a row can be sent again only once the lease lapses. Rows deferred past `now` are
 * not owed yet.
 */
export async function findStaleQueued(
  db: Db,
  queuedBefore: Date,
  limit: number,
  afterId?: string,
  now: Date = new Date(),
): Promise<Array<{ id: string; leaseUntil: Date | null; queuedAt: Date | null }>> {
  return db.prompt.findMany({
    where: {
      status: 'queued',
      queuedAt: { lt: queuedBefore },
      OR: [{ notBefore: null }, { notBefore: { lte: now } }],
      ...(afterId ? { id: { gt: afterId } } : {}),
    },
    select: { id: true, leaseUntil: true, queuedAt: true },
    orderBy: { id: 'asc' },
    take: limit,
  });
}

export interface PromptFilter {
  campaignId?: string;
  patientRef?: string;
  status?: PromptStatus;
  pollRunIds?: string[];
  /** Made at or after `from` and before `to`. */
  from?: Date;
  to?: Date;
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

/** Per campaign, the prompts of these poll runs queued with a not-before time past `now`. */
export async function findDeferred(
  db: Db,
  pollRunIds: string[],
  now: Date,
): Promise<Array<{ campaignId: string; count: number; earliest: Date; latest: Date }>> {
  if (pollRunIds.length === 0) return [];
  return db.$queryRaw`
    SELECT campaign_id AS "campaignId", count(*)::int AS count, min(not_before) AS earliest, max(not_before) AS latest
    FROM prompts
    WHERE poll_run_id = ANY(${pollRunIds}::uuid[]) AND status = 'queued' AND not_before > ${now}
    GROUP BY campaign_id`;
}

function whereOf(filter: PromptFilter): Prisma.PromptWhereInput {
  return {
    ...(filter.campaignId ? { campaignId: filter.campaignId } : {}),
    ...(filter.patientRef ? { patientRef: filter.patientRef } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.pollRunIds ? { pollRunId: { in: filter.pollRunIds } } : {}),
    ...(filter.from || filter.to
      ? { createdAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } }
      : {}),
  };
}
