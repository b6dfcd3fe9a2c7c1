-- Quiet hours and frequency caps: what a prompt competes with for a patient's slot.
ALTER TABLE "prompts" ADD COLUMN "priority" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "timezone" TEXT,
ADD COLUMN "slot_at" TIMESTAMPTZ(3);

-- A patient's messages across campaigns, read for every send batch and evaluation.
CREATE INDEX "prompts_patient_ref_status_idx" ON "prompts"("patient_ref", "status");
