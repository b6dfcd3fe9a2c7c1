import { type Db, getCampaign, getPatientRecord, recordOptOut, recordResultsPreference, removeOptOut } from '../../store/index.ts';
import { EXIT, InputError, UsageError } from '../errors.ts';
import { formatTable, printJson } from '../output.ts';
import { withDb } from '../with-db.ts';

const PATIENT_REF = /^Patient\/[A-Za-z0-9\-.]{1,64}$/;
const RECENT_PROMPTS = 20;

export interface PatientChangeOptions {
  campaignId: string | undefined;
  by: string | undefined;
  reason: string | undefined;
}

export async function optOutCommand(patientRef: string | undefined, options: PatientChangeOptions): Promise<number> {
  const ref = checkedRef(patientRef, 'opt-out');
  if (!options.by) throw new UsageError('patients opt-out needs --by <name>: opt-outs are audited with who recorded them');
  if (!options.reason) throw new UsageError('patients opt-out needs --reason <text>: say how the patient asked (e.g. "phone call")');
  const { by, reason } = options;
  return withDb(async (db) => {
    await checkCampaign(db, options.campaignId);
    const { already } = await recordOptOut(db, { patientRef: ref, campaignId: options.campaignId, by, reason });
    console.log(`${already ? 'still opted out (reason updated)' : 'opted out'}  ${ref}  ${scopeOf(options.campaignId)}`);
    return EXIT.ok;
  });
}

export async function optInCommand(patientRef: string | undefined, options: PatientChangeOptions): Promise<number> {
  const ref = checkedRef(patientRef, 'opt-in');
  if (!options.by) throw new UsageError('patients opt-in needs --by <name>: opt-ins are audited with who recorded them');
  const { by } = options;
  return withDb(async (db) => {
    const removed = await removeOptOut(db, { patientRef: ref, campaignId: options.campaignId, by, reason: options.reason });
    if (!removed) {
      throw new InputError(`${ref} has no local opt-out of ${scopeOf(options.campaignId)} (see: careprompt patients show ${ref})`);
    }
    console.log(`opted in  ${ref}  ${scopeOf(options.campaignId)}`);
    return EXIT.ok;
  });
}

/**
 * `patients results-by-message yes|no|clear Patient/<id>`: the patient's latest word, which overrides a Consent in the
 * EHR; `clear` removes it, and the Consent decides again.
 */
export async function resultsByMessageCommand(
  answer: string | undefined,
  patientRef: string | undefined,
  options: { by: string; note: string | undefined },
): Promise<number> {
  if (answer !== 'yes' && answer !== 'no' && answer !== 'clear')
    throw new UsageError('patients results-by-message needs yes, no or clear, then Patient/<id>');
  const ref = checkedRef(patientRef, 'results-by-message');
  const byMessage = answer === 'clear' ? null : answer === 'yes';
  return withDb(async (db) => {
    const { previous } = await recordResultsPreference(db, { patientRef: ref, byMessage, by: options.by, note: options.note });
    const was = previous === undefined ? 'none recorded' : previous ? 'yes' : 'no';
    console.log(`results by message: ${answer}  ${ref}  (was: ${was})`);
    return EXIT.ok;
  });
}

export async function showPatientCommand(patientRef: string | undefined, options: { json: boolean }): Promise<number> {
  const ref = checkedRef(patientRef, 'show');
  return withDb(async (db) => {
    const record = await getPatientRecord(db, ref, { limit: RECENT_PROMPTS, now: new Date() });
    if (options.json) {
      printJson({ patientRef: ref, ...record });
      return EXIT.ok;
    }
    const day = (date: Date | null | undefined) => (date ? `${date.toISOString().slice(0, 19)}Z` : undefined);
    console.log(`${ref}\n\nLocal opt-outs (an opt-out recorded in the EHR as a Consent is honoured too, and changed there):`);
    console.log(
      record.optOuts.length === 0
        ? '  none'
        : formatTable(
            ['SCOPE', 'SINCE', 'BY', 'REASON'],
            record.optOuts.map((optOut) => [
              scopeOf(optOut.campaignId ?? undefined),
              day(optOut.createdAt),
              optOut.recordedBy,
              optOut.reason,
            ]),
          ),
    );
    const preference = record.resultsPreference;
    console.log(
      `\nResults by message (recorded here; overrides a Consent in the EHR): ${
        preference
          ? `${preference.byMessage ? 'yes' : 'no'}  since ${day(preference.recordedAt)}  by ${preference.recordedBy}${preference.note ? `  (${preference.note})` : ''}`
          : 'none recorded'
      }`,
    );
    const next = record.nextDeferred;
    console.log(`\nNext deferred prompt: ${next ? `${next.id}  ${next.campaignId}  not before ${day(next.notBefore)}` : 'none'}`);
    console.log(`\nRecent prompts (newest first, at most ${RECENT_PROMPTS}):`);
    console.log(
      record.recentPrompts.length === 0
        ? '  none'
        : formatTable(
            ['ID', 'CREATED', 'CAMPAIGN', 'STATUS', 'LANGUAGE', 'REASON'],
            record.recentPrompts.map((prompt) => [
              prompt.id,
              day(prompt.createdAt),
              prompt.campaignId,
              prompt.status,
              prompt.language,
              prompt.reason,
            ]),
          ),
    );
    return EXIT.ok;
  });
}

function checkedRef(patientRef: string | undefined, command: string): string {
  if (!patientRef) throw new UsageError(`patients ${command} needs Patient/<id>`);
  if (!PATIENT_REF.test(patientRef)) {
    throw new InputError(`"${patientRef}" is not a patient reference: write Patient/<id> (the id as the FHIR server has it)`);
  }
  return patientRef;
}

/** A campaign named must exist: a misspelt id would record an opt-out nothing honours. */
async function checkCampaign(db: Db, campaignId: string | undefined): Promise<void> {
  if (campaignId === undefined || (await getCampaign(db, campaignId))) return;
  throw new InputError(`--campaign ${campaignId}: no such campaign is stored (see: careprompt campaigns list)`);
}

function scopeOf(campaignId: string | undefined): string {
  return campaignId ? `campaign ${campaignId}` : 'all campaigns';
}
