-- CreateTable
CREATE TABLE "results_preferences" (
    "patient_ref" TEXT NOT NULL,
    "by_message" BOOLEAN NOT NULL,
    "note" TEXT,
    "recorded_by" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "results_preferences_pkey" PRIMARY KEY ("patient_ref")
);
