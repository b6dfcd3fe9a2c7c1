/**
 * What the three criteria campaigns in jobs/ (hba1c-care-gap, blood-pressure-follow-up, after-ed-visit) should do
 * with each synthetic patient, worked out from the generator's plain records: the campaigns' rules restated here by
 * hand, without src/criteria, so a test comparing the engine with this compares two independent readings of the
 * campaign files. The value sets are read as plain JSON from jobs/valuesets.
 *
 * Where the engine's order of checks would matter (a patient both outside `when` and excluded, or excluded and
 * deceased) the population is built never to meet it: this module throws if it ever does.
 */
import { readFileSync } from 'node:fs';
import type { SyntheticPatient } from '../../tools/demo/population.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MM_HG_PER_KPA = 760 / 101.325;

export const CRITERIA_CAMPAIGNS = ['hba1c-care-gap', 'blood-pressure-follow-up', 'after-ed-visit'] as const;
export type CriteriaCampaign = (typeof CRITERIA_CAMPAIGNS)[number];

/** A prompt's expected end state after one run: sent, held for review, or skipped with this reason. */
export type Outcome = { status: 'sent' } | { status: 'pending_review' } | { status: 'skipped'; reason: string };

/** The reason recorded when `when` does not hold: the engine's text starts with it and may go on to explain. */
export const CRITERIA_NOT_MET = 'criteria not met';

function valueSetCodes(file: string): Set<string> {
  const valueSet = JSON.parse(readFileSync(`jobs/valuesets/${file}`, 'utf8')) as {
    compose: { include: Array<{ system: string; concept: Array<{ code: string }> }> };
  };
  return new Set(valueSet.compose.include.flatMap((include) => include.concept.map((concept) => `${include.system}|${concept.code}`)));
}

const HOSPICE = valueSetCodes('hospice-snomed.json');
const PALLIATIVE = valueSetCodes('palliative-care-snomed.json');
const PREGNANCY = new Set([...valueSetCodes('pregnancy-icd10cm.json'), 'http://snomed.info/sct|77386006']);
const TYPE_2_DIABETES = new Set(['http://snomed.info/sct|44054006', 'http://hl7.org/fhir/sid/icd-10-cm|E11.9']);
const HBA1C = new Set(['http://loinc.org|4548-4', 'http://loinc.org|17856-6', 'http://loinc.org|4549-2']);
const SYSTOLIC = 'http://loinc.org|8480-6';
const EMERGENCY = 'http://terminology.hl7.org/CodeSystem/v3-ActCode|EMER';
const RESULT_FINAL = ['final', 'amended', 'corrected'];

const key = (coding: { system: string; code: string }) => `${coding.system}|${coding.code}`;

/** Whole years of age on `asOf`'s UTC calendar day. */
export function ageOn(birthDate: string, asOf: Date): number {
  const [year, month, day] = birthDate.split('-').map(Number) as [number, number, number];
  const beforeBirthday = asOf.getUTCMonth() + 1 < month || (asOf.getUTCMonth() + 1 === month && asOf.getUTCDate() < day);
  return asOf.getUTCFullYear() - year - (beforeBirthday ? 1 : 0);
}

/** Dated in [asOf - span, asOf]. */
const within = (date: Date, span: number, asOf: Date) => date.getTime() <= asOf.getTime() && asOf.getTime() - date.getTime() <= span;

function inHospice(patient: SyntheticPatient, asOf: Date): boolean {
  return patient.procedures.some(
    (procedure) =>
      HOSPICE.has(key(procedure.coding)) && procedure.status !== 'entered-in-error' && within(procedure.performed, 365 * DAY, asOf),
  );
}

function inPalliativeCare(patient: SyntheticPatient, asOf: Date): boolean {
  return patient.procedures.some(
    (procedure) =>
      PALLIATIVE.has(key(procedure.coding)) && procedure.status !== 'entered-in-error' && within(procedure.performed, 365 * DAY, asOf),
  );
}

function isPregnant(patient: SyntheticPatient, asOf: Date): boolean {
  return patient.conditions.some(
    (condition) =>
      PREGNANCY.has(key(condition.coding)) && condition.clinicalStatus === 'active' && within(condition.onset, 300 * DAY, asOf),
  );
}

/** Deceased, inactive, or no first name for the greeting: skipped whatever the campaign. */
function patientSkip(patient: SyntheticPatient): string | undefined {
  if (patient.deceased) return 'patient is deceased';
  if (!patient.active) return 'patient record is inactive';
  if (!patient.given) return 'template value missing: patient.firstName';
  return undefined;
}

/**
 * The outcome of a candidate: `when` failing, else the first exclusion that holds, else the patient's own state,
 * else prompted. Throws if more than one of these would apply (the population avoids it on purpose).
 */
function settle(
  patient: SyntheticPatient,
  criteriaHold: boolean,
  exclusions: Array<[reason: string, holds: boolean]>,
  prompted: Outcome,
): Outcome {
  const excludedBy = exclusions.filter(([, holds]) => holds).map(([reason]) => `excluded: ${reason}`);
  const skip = patientSkip(patient);
  const reasons = [...(criteriaHold ? [] : [CRITERIA_NOT_MET]), ...excludedBy, ...(skip ? [skip] : [])];
  if (reasons.length > 1)
    throw new Error(`synthetic patient ${patient.mrn} has more than one reason not to be prompted: ${reasons.join('; ')}`);
  const [reason] = reasons;
  return reason ? { status: 'skipped', reason } : prompted;
}

/** hba1c-care-gap: one prompt per adult type 2 diabetic without a final HbA1c in 180 days, unless in hospice or palliative care. */
function hba1cCareGap(patient: SyntheticPatient, asOf: Date): Outcome[] {
  const diabetic = patient.conditions.some(
    (condition) => TYPE_2_DIABETES.has(key(condition.coding)) && condition.clinicalStatus === 'active',
  );
  if (!diabetic) return [];
  const recentResult = patient.observations.some(
    (observation) =>
      HBA1C.has(key(observation.coding)) && RESULT_FINAL.includes(observation.status) && within(observation.effective, 180 * DAY, asOf),
  );
  const exclusions: Array<[string, boolean]> = [
    ['hospice care', inHospice(patient, asOf)],
    ['palliative care', inPalliativeCare(patient, asOf)],
  ];
  return [settle(patient, ageOn(patient.birthDate, asOf) >= 18 && !recentResult, exclusions, { status: 'sent' })];
}

/** blood-pressure-follow-up: one reviewed prompt per patient (repeat P14D) with a systolic reading >= 160 mm Hg in 7 days. */
function bloodPressureFollowUp(patient: SyntheticPatient, asOf: Date): Outcome[] {
  const inMmHg = (value: { value: number; unit: string }) => (value.unit === 'kPa' ? value.value * MM_HG_PER_KPA : value.value);
  const high = patient.observations.some(
    (observation) =>
      key(observation.coding) === SYSTOLIC &&
      RESULT_FINAL.includes(observation.status) &&
      within(observation.effective, 7 * DAY, asOf) &&
      inMmHg(observation.value) >= 160,
  );
  if (!high) return [];
  const exclusions: Array<[string, boolean]> = [
    ['pregnancy', isPregnant(patient, asOf)],
    ['hospice care', inHospice(patient, asOf)],
  ];
  return [settle(patient, true, exclusions, { status: 'pending_review' })];
}

/** after-ed-visit: one prompt per finished emergency visit that ended 12 to 84 hours ago, for adults not in hospice. */
function afterEdVisit(patient: SyntheticPatient, asOf: Date): Outcome[] {
  const due = patient.encounters.filter(
    (encounter) =>
      key(encounter.class) === EMERGENCY &&
      encounter.status === 'finished' &&
      encounter.end !== undefined &&
      within(encounter.end, 12 * HOUR + 3 * DAY, asOf) &&
      asOf.getTime() - encounter.end.getTime() >= 12 * HOUR,
  );
  const exclusions: Array<[string, boolean]> = [['hospice care', inHospice(patient, asOf)]];
  return due.map(() => settle(patient, ageOn(patient.birthDate, asOf) >= 18, exclusions, { status: 'sent' }));
}

const RULES: Record<CriteriaCampaign, (patient: SyntheticPatient, asOf: Date) => Outcome[]> = {
  'hba1c-care-gap': hba1cCareGap,
  'blood-pressure-follow-up': bloodPressureFollowUp,
  'after-ed-visit': afterEdVisit,
};

/** Each campaign's expected outcomes, by patient MRN (one per prompt: a patient may have none). */
export function expectedOutcomes(patients: Iterable<SyntheticPatient>, asOf: Date): Record<CriteriaCampaign, Map<string, Outcome[]>> {
  const byCampaign = Object.fromEntries(CRITERIA_CAMPAIGNS.map((id) => [id, new Map<string, Outcome[]>()])) as Record<
    CriteriaCampaign,
    Map<string, Outcome[]>
  >;
  for (const patient of patients) {
    for (const id of CRITERIA_CAMPAIGNS) {
      const outcomes = RULES[id](patient, asOf);
      if (outcomes.length > 0) byCampaign[id].set(patient.mrn, outcomes);
    }
  }
  return byCampaign;
}

/** `sent: 12, pending_review: 0, skipped: excluded: hospice care: 2, …` as one sorted count per outcome. */
export function outcomeCounts(outcomes: Iterable<Outcome>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const label = outcome.status === 'skipped' ? `skipped: ${outcome.reason}` : outcome.status;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
