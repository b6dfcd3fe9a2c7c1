/**
 * Patients' own wishes recorded in careprompt: opt-outs of one campaign or of all, each change audited with who
 * made it and why (entity `Patient`, id = the patient's reference), and what `patients show` tells of a patient
 * (with their results preference, results-preferences.ts). The EHR's Consents are read from FHIR, not stored here.
 */
import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from './client.ts';
import type { Prompt } from './prompts.ts';
import { findResultsPreferences, type StoredResultsPreference } from './results-preferences.ts';

export interface PatientOptOut {
  id: string;
  patientRef: string;
  /** Null: every campaign. */
  campaignId: string | null;
  recordedBy: string;
  reason: string;
  createdAt: Date;
}

export interface OptOutChange {
  patientRef: string;
  /** Undefined: every campaign. */
  campaignId?: string | undefined;
  by: string;
  reason?: string | undefined;
}

/** The local opt-outs of these patients, for a batch's decisions: one query. */
export async function findOptOuts(db: Db, patientRefs: readonly string[]): Promise<PatientOptOut[]> {
  if (patientRefs.length === 0) return [];
  return db.patientOptOut.findMany({ where: { patientRef: { in: [...patientRefs] } }, orderBy: { createdAt: 'asc' } });
}

/**
 * Records the opt-out (replacing one of the same scope, whose reason it takes over); returns whether the patient
 * was already opted out of that scope. Serialised per patient, so two at once cannot leave two rows.
 */
export async function recordOptOut(db: Db, change: OptOutChange & { reason: string }): Promise<{ already: boolean }> {
  const campaignId = change.campaignId ?? null;
  return db.$transaction(async (tx) => {
    await lockPatient(tx, change.patientRef);
    const { count } = await tx.patientOptOut.deleteMany({ where: { patientRef: change.patientRef, campaignId } });
    await tx.patientOptOut.create({ data: { patientRef: change.patientRef, campaignId, recordedBy: change.by, reason: change.reason } });
    await audit(tx, 'patient.opted-out', change);
    return { already: count > 0 };
  });
}

/** Removes the opt-out of that scope; false when there was none (nothing is audited then). */
export async function removeOptOut(db: Db, change: OptOutChange): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await lockPatient(tx, change.patientRef);
    const { count } = await tx.patientOptOut.deleteMany({
      where: { patientRef: change.patientRef, campaignId: change.campaignId ?? null },
    });
    if (count > 0) await audit(tx, 'patient.opted-in', change);
    return count > 0;
  });
}

/** What `patients show` tells of a patient: local opt-outs and results preference, recent prompts, and the next deferred one. */
export interface PatientRecord {
  optOuts: PatientOptOut[];
  resultsPreference: StoredResultsPreference | undefined;
  recentPrompts: Array<Pick<Prompt, 'id' | 'campaignId' | 'status' | 'reason' | 'language' | 'createdAt' | 'sentAt' | 'notBefore'>>;
  nextDeferred: Pick<Prompt, 'id' | 'campaignId' | 'notBefore'> | undefined;
}

export async function getPatientRecord(db: Db, patientRef: string, options: { limit: number; now: Date }): Promise<PatientRecord> {
  const [optOuts, [resultsPreference], recentPrompts, nextDeferred] = await Promise.all([
    findOptOuts(db, [patientRef]),
    findResultsPreferences(db, [patientRef]),
    db.prompt.findMany({
      where: { patientRef },
      select: { id: true, campaignId: true, status: true, reason: true, language: true, createdAt: true, sentAt: true, notBefore: true },
      orderBy: { createdAt: 'desc' },
      take: options.limit,
    }),
    db.prompt.findFirst({
      where: { patientRef, status: 'queued', notBefore: { gt: options.now } },
      select: { id: true, campaignId: true, notBefore: true },
      orderBy: { notBefore: 'asc' },
    }),
  ]);
  return { optOuts, resultsPreference, recentPrompts, nextDeferred: nextDeferred ?? undefined };
}

async function lockPatient(tx: Prisma.TransactionClient, patientRef: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`patient-opt-out:${patientRef}`}))`;
}

function audit(tx: Prisma.TransactionClient, action: 'patient.opted-out' | 'patient.opted-in', change: OptOutChange) {
  const details = {
    scope: change.campaignId ? `campaign ${change.campaignId}` : 'all campaigns',
    ...(change.reason ? { reason: change.reason } : {}),
  };
  return tx.auditEvent.create({ data: { actor: change.by, action, entityType: 'Patient', entityId: change.patientRef, details } });
}
