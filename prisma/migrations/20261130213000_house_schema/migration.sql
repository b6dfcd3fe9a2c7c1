-- Issue 8: time zones, closed sets as enums, channel-neutral delivery, deferred prompts. Every existing row is
-- kept: columns change type in place (USING), and communication_id is renamed, not dropped.

-- Timestamps held UTC in "timestamp without time zone" (as Prisma wrote them): read them as UTC.
ALTER TABLE "campaigns"
  ALTER COLUMN "watermark" SET DATA TYPE TIMESTAMPTZ(3) USING "watermark" AT TIME ZONE 'UTC',
  ALTER COLUMN "last_polled_at" SET DATA TYPE TIMESTAMPTZ(3) USING "last_polled_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "last_full_scan_at" SET DATA TYPE TIMESTAMPTZ(3) USING "last_full_scan_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "created_at" SET DATA TYPE TIMESTAMPTZ(3) USING "created_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "updated_at" SET DATA TYPE TIMESTAMPTZ(3) USING "updated_at" AT TIME ZONE 'UTC';

ALTER TABLE "poll_runs"
  ALTER COLUMN "as_of" SET DATA TYPE TIMESTAMPTZ(3) USING "as_of" AT TIME ZONE 'UTC',
  ALTER COLUMN "since" SET DATA TYPE TIMESTAMPTZ(3) USING "since" AT TIME ZONE 'UTC',
  ALTER COLUMN "started_at" SET DATA TYPE TIMESTAMPTZ(3) USING "started_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "finished_at" SET DATA TYPE TIMESTAMPTZ(3) USING "finished_at" AT TIME ZONE 'UTC';

-- CreateEnum: the evaluate outcomes, spelled as the engine has always written them.
CREATE TYPE "CandidateOutcome" AS ENUM ('queued', 'pending-review', 'skipped', 'already-handled', 'recently-prompted', 'no-match', 'patient-not-found', 'expired', 'campaign-inactive', 'error');

ALTER TABLE "candidates"
  ALTER COLUMN "outcome" SET DATA TYPE "CandidateOutcome" USING "outcome"::"CandidateOutcome",
  ALTER COLUMN "created_at" SET DATA TYPE TIMESTAMPTZ(3) USING "created_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "evaluated_at" SET DATA TYPE TIMESTAMPTZ(3) USING "evaluated_at" AT TIME ZONE 'UTC';

-- CreateEnum
CREATE TYPE "PromptCategory" AS ENUM ('reminder', 'instruction');

ALTER TABLE "prompts" RENAME COLUMN "communication_id" TO "external_id";

ALTER TABLE "prompts"
  ADD COLUMN "channel" TEXT NOT NULL DEFAULT 'fhir-communication',
  ADD COLUMN "not_before" TIMESTAMPTZ(3),
  ALTER COLUMN "category" SET DATA TYPE "PromptCategory" USING "category"::"PromptCategory",
  ALTER COLUMN "created_at" SET DATA TYPE TIMESTAMPTZ(3) USING "created_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "updated_at" SET DATA TYPE TIMESTAMPTZ(3) USING "updated_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "queued_at" SET DATA TYPE TIMESTAMPTZ(3) USING "queued_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "sent_at" SET DATA TYPE TIMESTAMPTZ(3) USING "sent_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "lease_until" SET DATA TYPE TIMESTAMPTZ(3) USING "lease_until" AT TIME ZONE 'UTC',
  ALTER COLUMN "reviewed_at" SET DATA TYPE TIMESTAMPTZ(3) USING "reviewed_at" AT TIME ZONE 'UTC';

-- CreateIndex: queued prompts by the time they may go out (the claim and the sweep skip deferred ones).
CREATE INDEX "prompts_status_not_before_idx" ON "prompts"("status", "not_before");

-- CreateEnum
CREATE TYPE "AuditEntity" AS ENUM ('Campaign', 'Prompt');

ALTER TABLE "audit_events"
  ALTER COLUMN "at" SET DATA TYPE TIMESTAMPTZ(3) USING "at" AT TIME ZONE 'UTC',
  ALTER COLUMN "entity_type" SET DATA TYPE "AuditEntity" USING "entity_type"::"AuditEntity";
