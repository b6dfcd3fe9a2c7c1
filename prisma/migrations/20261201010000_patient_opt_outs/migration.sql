-- AlterEnum
ALTER TYPE "AuditEntity" ADD VALUE 'Patient';

-- CreateTable
CREATE TABLE "patient_opt_outs" (
    "id" UUID NOT NULL,
    "patient_ref" TEXT NOT NULL,
    "campaign_id" TEXT,
    "recorded_by" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "patient_opt_outs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "patient_opt_outs_patient_ref_idx" ON "patient_opt_outs"("patient_ref");
