/**
 * A patient's messages across campaigns, as the frequency caps count them, and the per-patient lock that makes
 * counting and taking a slot one step. Two senders of the same patient's prompts take the lock in turn: the
 * second counts the first one's reservation (`slot_at`) and cannot exceed the cap, whatever the timing.
 */
import type { PatientMessage } from '../schedule/index.ts';
import type { Db } from './client.ts';

type Reader = Pick<Db, '$queryRaw'>;

interface MessageRow {
  idempotencyKey: string;
  patientRef: string;
  status: 'sent' | 'queued';
  sentAt: Date | null;
  slotAt: Date | null;
  notBefore: Date | null;
  priority: number;
  queuedAt: Date;
}

/**
 * Each patient's messages that count against a cap or compete for a slot, in one query: sent after `sentSince`,
 * and queued ones (reserved, or waiting their turn). Patients with none are absent.
 */
export async function findPatientMessages(
  db: Reader,
  patientRefs: readonly string[],
  sentSince: Date,
): Promise<Map<string, PatientMessage[]>> {
  const byPatient = new Map<string, PatientMessage[]>();
  if (patientRefs.length === 0) return byPatient;
  const rows = await db.$queryRaw<MessageRow[]>`
    SELECT idempotency_key AS "idempotencyKey", patient_ref AS "patientRef", status::text AS status, sent_at AS "sentAt", slot_at AS "slotAt",
      not_before AS "notBefore", priority, coalesce(queued_at, created_at) AS "queuedAt"
    FROM prompts
    WHERE patient_ref = ANY(${[...new Set(patientRefs)]}::text[])
      AND ((status = 'sent' AND sent_at > ${sentSince}) OR (status = 'queued' AND rendered_text IS NOT NULL))`;
  for (const row of rows) {
    const messages = byPatient.get(row.patientRef) ?? [];
    messages.push(messageOf(row));
    byPatient.set(row.patientRef, messages);
  }
  return byPatient;
}

function messageOf(row: MessageRow): PatientMessage {
  const base = { promptId: row.idempotencyKey, priority: row.priority, queuedAt: row.queuedAt.getTime() };
  if (row.status === 'sent') return { ...base, state: 'sent', at: row.sentAt?.getTime() ?? row.queuedAt.getTime() };
  if (row.slotAt) return { ...base, state: 'reserved', at: row.slotAt.getTime() };
  return { ...base, state: 'waiting', ...(row.notBefore ? { at: row.notBefore.getTime() } : {}) };
}

/**
 * Under a lock per patient (held to the end of the transaction), reads the patients' messages and lets `decide`
 * say which prompts take a slot now; those are reserved at `now`. Locks are taken in one order, so two batches
 * sharing patients cannot deadlock.
 */
export async function reserveSlots(
  db: Db,
  patientRefs: readonly string[],
  sentSince: Date,
  now: Date,
  decide: (messages: ReadonlyMap<string, PatientMessage[]>) => readonly string[],
): Promise<void> {
  await db.$transaction(
    async (tx) => {
      await tx.$executeRaw`
        SELECT pg_advisory_xact_lock(k)
        FROM (SELECT DISTINCT hashtextextended(r, 0) AS k FROM unnest(${[...patientRefs]}::text[]) AS r ORDER BY 1) AS keys`;
      const reserved = decide(await findPatientMessages(tx, patientRefs, sentSince));
      if (reserved.length > 0) await tx.$executeRaw`UPDATE prompts SET slot_at = ${now} WHERE id = ANY(${[...reserved]}::uuid[])`;
    },
    // Batches of one patient queue behind each other here; each holds the lock for two short statements.
    { maxWait: 30_000, timeout: 30_000 },
  );
}
