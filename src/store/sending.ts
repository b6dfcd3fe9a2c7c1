/**
 * Delivery's side of the outbox: a sender leases the queued rows it is about to deliver, renews the lease
 * while it works, gives back what it could not deliver and records what it did. A batch of rows costs one
 * statement for each step, not one per row: these are a run's hottest writes.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from './client.ts';
import { SYSTEM_ACTOR } from './prompts.ts';

/** What a sender needs of a prompt it has claimed, with its campaign's state at the time of the claim. */
export interface ClaimedPrompt {
  id: string;
  idempotencyKey: string;
  campaignId: string;
  patientRef: string;
  triggerRefs: string[];
  reasonRef: string | null;
  language: string | null;
  category: string;
  renderedText: string;
  reviewedBy: string | null;
  /** Claims so far, this one included: above 1, an earlier sender may have delivered it without recording it. */
  attempts: number;
  /** When the prompt was queued (decided, or approved), in epoch milliseconds. */
  queuedAtMs: number;
  campaignActive: boolean;
  campaignReview: string | null;
}

/** The rows one claim leased, and the token that proves the lease is still this sender's. */
export interface SendLease {
  token: string;
  /** In the order of the ids claimed. */
  prompts: ClaimedPrompt[];
}

/** A delivered prompt, to be recorded as sent. */
export interface Delivery {
  promptId: string;
  communicationId: string;
  sentAt: Date;
}

/**
 * Leases those of these prompts that are queued, have their text and are not leased by another sender (a
 * concurrent run or worker), counting the attempt, and returns them with their campaign's current state for
 * the send-time checks. While the lease holds, no one else delivers them: a conditional create alone does not
 * stop two concurrent POSTs on every server. A sender that dies leaves the lease to expire; the sweep then
 * queues the prompts again.
 */
export async function claimForSending(db: Db, promptIds: readonly string[], leaseMs: number): Promise<SendLease> {
  const token = randomUUID();
  const claimed = await db.$queryRaw<ClaimedPrompt[]>`
    UPDATE prompts AS p
    SET attempts = p.attempts + 1,
        lease_token = ${token}::uuid,
        -- The columns are timestamp without time zone holding UTC, as Prisma writes them.
        lease_until = (now() AT TIME ZONE 'UTC') + make_interval(secs => ${leaseMs / 1000}::float8)
    FROM campaigns AS c
    WHERE p.id = ANY(${promptIds}::uuid[]) AND c.id = p.campaign_id AND p.status = 'queued' AND p.rendered_text IS NOT NULL
      AND (p.lease_until IS NULL OR p.lease_until < (now() AT TIME ZONE 'UTC'))
    RETURNING p.id::text AS id, p.idempotency_key AS "idempotencyKey", p.campaign_id AS "campaignId", p.patient_ref AS "patientRef",
      p.trigger_refs AS "triggerRefs", p.reason_ref AS "reasonRef", p.language, p.category,
      p.rendered_text AS "renderedText", p.reviewed_by AS "reviewedBy", p.attempts,
      (extract(epoch FROM coalesce(p.queued_at, p.created_at)) * 1000)::float8 AS "queuedAtMs",
      c.active AS "campaignActive", c.definition ->> 'review' AS "campaignReview"`;
  const order = new Map(promptIds.map((id, index) => [id, index]));
  return { token, prompts: claimed.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)) };
}

/**
 * Keeps the lease while a delivery is still under way (a slow server, in-request retries). Only the holder's
 * token renews it: a sender whose lease lapsed and was taken by another must not extend the other's. Returns
 * how many rows were renewed: 0 when the lease is no longer this sender's.
 */
export async function extendLease(db: Db, promptIds: readonly string[], token: string, leaseMs: number): Promise<number> {
  return db.$executeRaw`
    UPDATE prompts SET lease_until = (now() AT TIME ZONE 'UTC') + make_interval(secs => ${leaseMs / 1000}::float8)
    WHERE id = ANY(${promptIds}::uuid[]) AND status = 'queued' AND lease_token = ${token}::uuid`;
}

/** Gives the lease back on prompts not delivered, so a retry may go ahead; only the holder's token can. */
export async function releaseLease(db: Db, promptIds: readonly string[], token: string): Promise<void> {
  if (promptIds.length === 0) return;
  await db.$executeRaw`
    UPDATE prompts SET lease_until = NULL, lease_token = NULL
    WHERE id = ANY(${promptIds}::uuid[]) AND status = 'queued' AND lease_token = ${token}::uuid`;
}

/**
 * Moves delivered prompts (queued, or failed by an earlier attempt) to sent, each with its audit event, in
 * one statement. A concurrent duplicate finds nothing to move and writes no event.
 */
export async function markSent(db: Db, deliveries: readonly Delivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  const delivered = JSON.stringify(
    deliveries.map((delivery) => ({
      id: delivery.promptId,
      communication_id: delivery.communicationId,
      sent_at: delivery.sentAt.toISOString(),
    })),
  );
  // The timestamp columns are timestamp without time zone holding UTC, as Prisma writes them.
  await db.$executeRaw`
    WITH delivered AS (
      SELECT * FROM jsonb_to_recordset(${delivered}::jsonb) AS d(id uuid, communication_id text, sent_at timestamptz)
    ), moved AS (
      UPDATE prompts AS p
      SET status = 'sent', communication_id = d.communication_id, reason = NULL, lease_until = NULL, lease_token = NULL,
          sent_at = d.sent_at AT TIME ZONE 'UTC', updated_at = now() AT TIME ZONE 'UTC'
      FROM delivered AS d
      WHERE p.id = d.id AND p.status IN ('queued', 'failed')
      RETURNING p.id, p.communication_id
    )
    INSERT INTO audit_events (id, at, actor, action, entity_type, entity_id, details)
    SELECT gen_random_uuid(), now() AT TIME ZONE 'UTC', ${SYSTEM_ACTOR}, 'prompt.sent', 'Prompt', moved.id::text,
      jsonb_build_object('communicationId', moved.communication_id)
    FROM moved`;
}
