/**
 * Patients' local word on receiving results by portal message (`careprompt patients results-by-message`): one
 * row per patient, replaced on each change or removed when cleared (the EHR's Consent decides again), each change
 * audited with who recorded it (entity `Patient`).
 */
import type { Db } from './client.ts';
import type { AuditAction } from './prompts.ts';

export interface StoredResultsPreference {
  patientRef: string;
  byMessage: boolean;
  note: string | null;
  recordedBy: string;
  recordedAt: Date;
}

export interface ResultsPreferenceChange {
  patientRef: string;
  /** null clears the local word. */
  byMessage: boolean | null;
  by: string;
  note?: string | undefined;
}

/** The local results preferences of these patients, for a batch's decisions: one query. */
export async function findResultsPreferences(db: Db, patientRefs: readonly string[]): Promise<StoredResultsPreference[]> {
  if (patientRefs.length === 0) return [];
  return db.resultsPreference.findMany({ where: { patientRef: { in: [...patientRefs] } } });
}

/**
 * Records the patient's latest word (replacing any earlier one), or clears it, with its audit event; returns the
 * word it replaced.
 */
export async function recordResultsPreference(db: Db, change: ResultsPreferenceChange): Promise<{ previous: boolean | undefined }> {
  const { patientRef, byMessage } = change;
  return db.$transaction(async (tx) => {
    const previous = await tx.resultsPreference.findUnique({ where: { patientRef }, select: { byMessage: true } });
    if (byMessage === null) await tx.resultsPreference.deleteMany({ where: { patientRef } });
    else {
      const row = { byMessage, note: change.note ?? null, recordedBy: change.by, recordedAt: new Date() };
      await tx.resultsPreference.upsert({ where: { patientRef }, create: { patientRef, ...row }, update: row });
    }
    const word = byMessage === null ? 'cleared' : byMessage ? 'yes' : 'no';
    const details = { byMessage: word, ...(change.note ? { note: change.note } : {}) };
    const action: AuditAction = 'patient.results-by-message';
    await tx.auditEvent.create({ data: { actor: change.by, action, entityType: 'Patient', entityId: patientRef, details } });
    return { previous: previous?.byMessage };
  });
}
