-- The rule behind a prompt's status (criteria, excluded, opt-out…), kept on the row: a prompt skipped because a
-- campaign's criteria did not hold may be decided again when the patient's record changes.
ALTER TABLE "prompts" ADD COLUMN "rule" TEXT;
