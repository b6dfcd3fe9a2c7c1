-- CreateEnum
CREATE TYPE "PollRunStatus" AS ENUM ('running', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "PromptStatus" AS ENUM ('pending_review', 'queued', 'sent', 'failed', 'skipped');

-- CreateTable
CREATE TABLE "campaigns" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL,
    "definition" JSONB NOT NULL,
    "definition_hash" TEXT NOT NULL,
    "watermark" TIMESTAMP(3),
    "last_polled_at" TIMESTAMP(3),
    "last_full_scan_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "poll_runs" (
    "id" UUID NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "status" "PollRunStatus" NOT NULL DEFAULT 'running',
    "as_of" TIMESTAMP(3) NOT NULL,
    "since" TIMESTAMP(3),
    "matched" INTEGER NOT NULL DEFAULT 0,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "poll_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "candidates" (
    "id" UUID NOT NULL,
    "poll_run_id" UUID NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "patient_id" TEXT NOT NULL,
    "trigger_ref" TEXT NOT NULL,
    "outcome" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "evaluated_at" TIMESTAMP(3),

    CONSTRAINT "candidates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "prompts" (
    "id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "poll_run_id" UUID,
    "patient_ref" TEXT NOT NULL,
    "trigger_refs" TEXT[],
    "reason_ref" TEXT,
    "evidence" JSONB NOT NULL,
    "template_id" TEXT NOT NULL,
    "template_version" TEXT,
    "language" TEXT,
    "category" TEXT NOT NULL,
    "rendered_text" TEXT,
    "status" "PromptStatus" NOT NULL,
    "reason" TEXT,
    "communication_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "queued_at" TIMESTAMP(3),
    "sent_at" TIMESTAMP(3),

    CONSTRAINT "prompts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "poll_runs_campaign_id_started_at_idx" ON "poll_runs"("campaign_id", "started_at");

-- CreateIndex
CREATE INDEX "candidates_evaluated_at_created_at_idx" ON "candidates"("evaluated_at", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "candidates_poll_run_id_trigger_ref_key" ON "candidates"("poll_run_id", "trigger_ref");

-- CreateIndex
CREATE UNIQUE INDEX "prompts_idempotency_key_key" ON "prompts"("idempotency_key");

-- CreateIndex
CREATE INDEX "prompts_campaign_id_patient_ref_created_at_idx" ON "prompts"("campaign_id", "patient_ref", "created_at");

-- CreateIndex
CREATE INDEX "prompts_status_updated_at_idx" ON "prompts"("status", "updated_at");

-- CreateIndex
CREATE INDEX "prompts_poll_run_id_idx" ON "prompts"("poll_run_id");

-- CreateIndex
CREATE INDEX "audit_events_entity_type_entity_id_idx" ON "audit_events"("entity_type", "entity_id");

-- AddForeignKey
ALTER TABLE "poll_runs" ADD CONSTRAINT "poll_runs_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "candidates" ADD CONSTRAINT "candidates_poll_run_id_fkey" FOREIGN KEY ("poll_run_id") REFERENCES "poll_runs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompts" ADD CONSTRAINT "prompts_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompts" ADD CONSTRAINT "prompts_poll_run_id_fkey" FOREIGN KEY ("poll_run_id") REFERENCES "poll_runs"("id") ON DELETE SET NULL ON UPDATE CASCADE;
