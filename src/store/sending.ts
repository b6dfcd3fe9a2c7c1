/**
 * Delivery's side of the outbox: a sender leases the queued rows it is about to deliver, renews the lease
 * while it works, gives back what it could not deliver and records what it did. A batch of rows costs one
 * statement for each step, not one per row: these are a run's hottest writes.
 */
import { randomUUID } from 'node:crypto';
import type { Campaign } from '../campaigns/index.ts';
import type { CommunicationCategory } from '../fhir/index.ts';
import { parseStoredCampaign } from './campaigns.ts';
import type { Db } from './client.ts';
import { SYSTEM_ACTOR } from './prompts.ts';

/** What a sender needs of a prompt it has claimed, with its campaign as defined at the time of the claim. */
export interface ClaimedPrompt {
  id: string;
  idempotencyKey: string;
  campaignId: string;
  patientRef: string;
  triggerRefs: string[];
  reasonRef: string | null;
  language: string | null;
  category: CommunicationCategory;
  /** The transport that delivers it. */
  channel: string;
  renderedText: string;
  reviewedBy: string | null;
  /** Claims so far, this one included: above 1, an earlier sender may have delivered it without recording it. */
  attempts: number;
  /** When the prompt was queued (decided, or approved), in epoch milliseconds. */
  queuedAtMs: number;
  /** Null, or past: the claim leaves prompts deferred to a later time alone. */
  notBefore: Date | null;
  /** Its campaign's priority when it was written, for the frequency caps. */
  priority: number;
  /** The patient's time zone when it was decided (null: DEFAULT_TIMEZONE). */
  timezone: string | null;
  /** The campaign's current definition, read through the Campaign schema (never a field picked from its JSON). */
  campaign: Campaign;
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
  /** The message's id in the channel's system. */
  externalId: string;
  sentAt: Date;
}

/**
 * Leases those of these prompts that are queued, have their text, are not deferred past `now` (the pipeline's
 * clock, which decided the not-before time; leases use the database's) and are not
 * leased by another sender (a concurrent run or worker), counting the attempt, and returns them with their
 * campaign's current definition for the send-time checks. While the lease holds, no one else delivers them: a
 * conditional create alone does not stop two concurrent POSTs on every server. A sender that dies leaves the
 * lease to expire; the sweep then queues the prompts again. A campaign whose stored definition the schema
 * rejects stops the claim (StoredCampaignError) with every lease given back: its send-time rules are unknown.
 */
export async function claimForSending(db: Db, promptIds: readonly string[], leaseMs: number, now = new Date()): Promise<SendLease> {
  const token = randomUUID();
  const claimed = await db.$queryRaw<Array<Omit<ClaimedPrompt, 'campaign'> & { definition: unknown }>>`
    UPDATE prompts AS p
    SET attempts = p.attempts + 1,
        lease_token = ${token}::uuid,
        lease_until = now() + make_interval(secs => ${leaseMs / 1000}::float8)
    FROM campaigns AS c
    WHERE p.id = ANY(${promptIds}::uuid[]) AND c.id = p.campaign_id AND p.status = 'queued' AND p.rendered_text IS NOT NULL
      AND (p.lease_until IS NULL OR p.lease_until < now()) AND (p.not_before IS NULL OR p.not_before <= ${now})
    RETURNING p.id::text AS id, p.idempotency_key AS "idempotencyKey", p.campaign_id AS "campaignId", p.patient_ref AS "patientRef",
      p.trigger_refs AS "triggerRefs", p.reason_ref AS "reasonRef", p.language, p.category::text AS category, p.channel,
      p.rendered_text AS "renderedText", p.reviewed_by AS "reviewedBy", p.attempts,
      (extract(epoch FROM coalesce(p.queued_at, p.created_at)) * 1000)::float8 AS "queuedAtMs", p.not_before AS "notBefore",
      p.priority, p.timezone, c.definition`;
  // Parsed once per campaign: a batch's prompts share theirs.
  const campaigns = new Map<string, Campaign>();
  const prompts: ClaimedPrompt[] = [];
  try {
    for (const { definition, ...prompt } of claimed) {
      const campaign = campaigns.get(prompt.campaignId) ?? parseStoredCampaign(prompt.campaignId, definition);
      campaigns.set(prompt.campaignId, campaign);
      prompts.push({ ...prompt, campaign });
    }
  } catch (error) {
    await releaseLease(
      db,
      claimed.map((row) => row.id),
      token,
    );
    throw error;
  }
  const order = new Map(promptIds.map((id, index) => [id, index]));
  return { token, prompts: prompts.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)) };
}

/**
 * Keeps the lease while a delivery is still under way (a slow server, in-request retries). Only the holder's
 * token renews it: a sender whose lease lapsed and was taken by another must not extend the other's. Returns
 * how many rows were renewed: 0 when the lease is no longer this sender's.
 */
export async function extendLease(db: Db, promptIds: readonly string[], token: string, leaseMs: number): Promise<number> {
  return db.$executeRaw`
    UPDATE prompts SET lease_until = now() + make_interval(secs => ${leaseMs / 1000}::float8)
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
      external_id: delivery.externalId,
      sent_at: delivery.sentAt.toISOString(),
    })),
  );
  await db.$executeRaw`
    WITH delivered AS (
      SELECT * FROM jsonb_to_recordset(${delivered}::jsonb) AS d(id uuid, external_id text, sent_at timestamptz)
    ), moved AS (
      UPDATE prompts AS p
      SET status = 'sent', external_id = d.external_id, reason = NULL, lease_until = NULL, lease_token = NULL,
          sent_at = d.sent_at, updated_at = now()
      FROM delivered AS d
      WHERE p.id = d.id AND p.status IN ('queued', 'failed')
      RETURNING p.id, p.external_id
    )
    INSERT INTO audit_events (id, at, actor, action, entity_type, entity_id, details)
    SELECT gen_random_uuid(), now(), ${SYSTEM_ACTOR}, 'prompt.sent', 'Prompt', moved.id::text,
      jsonb_build_object('externalId', moved.external_id)
    FROM moved`;
}
