/**
 * The synthetic records behind the criteria campaigns (HbA1c care gap, blood-pressure follow-up, after an ED visit):
 * HbA1c and systolic blood pressure results, emergency and office visits, hospice and palliative care, pregnancy
 * and children. Drawn from a random stream of their own, after the records of the first three campaigns, so adding
 * them changed none of those.
 *
 * Each patient gets at most one "profile" (a child, in hospice, in palliative care, pregnant), and profiles never
 * meet a second reason not to prompt (a recent HbA1c, a skipped patient's slot): every expected outcome has one
 * cause, whatever order the engine checks them in. Near misses (a preliminary or mistaken result, a reading from
 * last month, a visit still going on, a hospice record entered in error) are drawn for everyone.
 */

const SNOMED = 'http://snomed.info/sct';
const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
const LOINC = 'http://loinc.org';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR = 365.25 * DAY;

export type Coded = { system: string; code: string; display: string };

export const HBA1C_CODES: readonly Coded[] = [
  { system: LOINC, code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' },
  { system: LOINC, code: '17856-6', display: 'Hemoglobin A1c/Hemoglobin.total in Blood by HPLC' },
  { system: LOINC, code: '4549-2', display: 'Hemoglobin A1c/Hemoglobin.total in Blood by Electrophoresis' },
];
export const SYSTOLIC_BP: Coded = { system: LOINC, code: '8480-6', display: 'Systolic blood pressure' };
export const HOSPICE: readonly Coded[] = [
  { system: SNOMED, code: '385763009', display: 'Hospice care' },
  { system: SNOMED, code: '305336008', display: 'Admission to hospice' },
];
export const PALLIATIVE: readonly Coded[] = [
  { system: SNOMED, code: '103735009', display: 'Palliative care' },
  { system: SNOMED, code: '395669003', display: 'Specialist palliative care treatment' },
];
export const PREGNANCY: readonly Coded[] = [
  { system: SNOMED, code: '77386006', display: 'Pregnant' },
  { system: ICD10CM, code: 'O09.90', display: 'Supervision of high risk pregnancy, unspecified, unspecified trimester' },
  { system: ICD10CM, code: 'O24.419', display: 'Gestational diabetes mellitus in pregnancy, unspecified control' },
  { system: ICD10CM, code: 'O21.0', display: 'Mild hyperemesis gravidarum' },
];
const DELIVERED: Coded = { system: ICD10CM, code: 'O80', display: 'Encounter for full-term uncomplicated delivery' };
export const EMERGENCY: Coded = { system: ACT_CODE, code: 'EMER', display: 'emergency' };
const AMBULATORY: Coded = { system: ACT_CODE, code: 'AMB', display: 'ambulatory' };

export type ObservationStatus = 'final' | 'amended' | 'corrected' | 'preliminary' | 'entered-in-error';
export type ProcedureStatus = 'completed' | 'in-progress' | 'entered-in-error';

/** A result in UCUM units: `%` for HbA1c, `mm[Hg]` or `kPa` for blood pressure. */
export interface ObservationRecord {
  coding: Coded;
  status: ObservationStatus;
  effective: Date;
  value: { value: number; unit: '%' | 'mm[Hg]' | 'kPa' };
}

export interface EncounterRecord {
  class: Coded;
  status: 'finished' | 'in-progress' | 'entered-in-error';
  start: Date;
  /** Absent while the visit goes on. */
  end?: Date;
}

/** What this module reads and adds; the population's patient has these fields among others. */
export interface ScenarioPatient {
  birthDate: string;
  gender: 'female' | 'male';
  procedures: { coding: Coded; status: ProcedureStatus; performed: Date }[];
  conditions: { coding: Coded; clinicalStatus: 'active' | 'resolved'; onset: Date }[];
  observations: ObservationRecord[];
  encounters: EncounterRecord[];
}

export interface ScenarioDice {
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  between(low: number, high: number): number;
}

type Profile = 'child' | 'hospice' | 'palliative' | 'pregnant' | undefined;

/**
 * Adds the criteria campaigns' records to a patient. `isDiabetic`: the patient already has an active type 2
 * diabetes diagnosis; `addDiabetes` gives them one (a child or a hospice patient, so the care gap meets them);
 * `skipped` patients (deceased, inactive, unnamed) get no profile, and their triggers by their slot's ordinal.
 */
export function addCriteriaScenarios(
  patient: ScenarioPatient,
  dice: ScenarioDice,
  asOf: Date,
  options: { isDiabetic: boolean; addDiabetes: () => void; skipped?: { ordinal: number } },
): void {
  const ago = (ms: number) => new Date(asOf.getTime() - ms);
  const profile = options.skipped ? undefined : drawProfile(patient, dice, asOf);
  let diabetic = options.isDiabetic;
  if (profile === 'child') {
    // Overwrites the birth date drawn with the first three campaigns' records: their draws stay as they were.
    patient.birthDate = ago(dice.between(6, 17) * YEAR)
      .toISOString()
      .slice(0, 10);
  }
  if ((profile === 'child' || profile === 'hospice' || profile === 'palliative') && !diabetic && dice.chance(0.6)) {
    options.addDiabetes();
    diabetic = true;
  }
  if (profile === 'hospice') {
    patient.procedures.push({
      coding: dice.pick(HOSPICE),
      status: dice.pick(['completed', 'in-progress'] as const),
      performed: ago(dice.between(20 * DAY, 300 * DAY)),
    });
  }
  if (profile === 'palliative') {
    patient.procedures.push({ coding: dice.pick(PALLIATIVE), status: 'completed', performed: ago(dice.between(10 * DAY, 300 * DAY)) });
  }
  if (profile === 'pregnant') {
    patient.conditions.push({ coding: dice.pick(PREGNANCY), clinicalStatus: 'active', onset: ago(dice.between(20 * DAY, 200 * DAY)) });
  }

  // The care gap: half the adult diabetics with no other reason not to prompt had an HbA1c in the last 6 months.
  if (diabetic && (profile === undefined || profile === 'pregnant') && !options.skipped && dice.chance(0.5)) {
    patient.observations.push(
      hba1c(dice.pick(HBA1C_CODES), dice.pick(['final', 'amended', 'corrected'] as const), ago(dice.between(10 * DAY, 170 * DAY)), dice),
    );
  }
  // A skipped patient's slot decides their triggers, so each skip reason meets both event campaigns.
  const slot = options.skipped ? options.skipped.ordinal % 2 : -1;
  const wantsHighReading = options.skipped ? slot === 0 : dice.chance(profile === 'pregnant' || profile === 'hospice' ? 0.6 : 0.08);
  const wantsEmergencyFollowUp = options.skipped ? slot === 1 : dice.chance(profile === 'child' || profile === 'hospice' ? 0.5 : 0.07);
  if (wantsHighReading) {
    patient.observations.push({
      coding: SYSTOLIC_BP,
      status: dice.pick(['final', 'amended', 'corrected'] as const),
      // Dated 3 hours or more ago, before a deceased patient's death (1-2 hours ago).
      effective: ago(dice.between(3 * HOUR, 6.5 * DAY)),
      value: dice.pick([
        { value: 160, unit: 'mm[Hg]' },
        { value: Math.round(dice.between(161, 196)), unit: 'mm[Hg]' },
        { value: 22.7, unit: 'kPa' },
      ] as const),
    });
  }
  if (wantsEmergencyFollowUp) {
    // Due 12 hours after the end of the visit, for 3 days: ended 14 to 80 hours ago, 2 hours inside the window.
    patient.encounters.push(visit(EMERGENCY, 'finished', ago(dice.between(14 * HOUR, 80 * HOUR)), dice));
  }
  addNearMisses(patient, dice, asOf, diabetic);
}

function drawProfile(patient: ScenarioPatient, dice: ScenarioDice, asOf: Date): Profile {
  const roll = dice.between(0, 1);
  if (roll < 0.05) return 'child';
  if (roll < 0.09) return 'hospice';
  if (roll < 0.12) return 'palliative';
  const age = (asOf.getTime() - Date.parse(patient.birthDate)) / YEAR;
  return patient.gender === 'female' && age < 45 && dice.chance(0.35) ? 'pregnant' : undefined;
}

/** Records that look like a reason to act, or not to, and are not one. */
function addNearMisses(patient: ScenarioPatient, dice: ScenarioDice, asOf: Date, diabetic: boolean): void {
  const ago = (ms: number) => new Date(asOf.getTime() - ms);
  if (diabetic && dice.chance(0.3)) {
    patient.observations.push(hba1c(dice.pick(HBA1C_CODES), 'final', ago(dice.between(200 * DAY, 500 * DAY)), dice));
  }
  if (diabetic && dice.chance(0.1)) {
    patient.observations.push(
      hba1c(dice.pick(HBA1C_CODES), dice.pick(['preliminary', 'entered-in-error'] as const), ago(dice.between(5 * DAY, 60 * DAY)), dice),
    );
  }
  if (dice.chance(0.12)) {
    const value = dice.pick([
      { value: 159, unit: 'mm[Hg]' },
      { value: Math.round(dice.between(105, 150)), unit: 'mm[Hg]' },
      { value: 17.3, unit: 'kPa' },
    ] as const);
    patient.observations.push({ coding: SYSTOLIC_BP, status: 'final', effective: ago(dice.between(3 * HOUR, 6 * DAY)), value });
  }
  if (dice.chance(0.04)) {
    patient.observations.push({
      coding: SYSTOLIC_BP,
      status: 'final',
      effective: ago(dice.between(9 * DAY, 30 * DAY)),
      value: { value: 172, unit: 'mm[Hg]' },
    });
  }
  if (dice.chance(0.04)) {
    const status = dice.pick(['preliminary', 'entered-in-error'] as const);
    patient.observations.push({
      coding: SYSTOLIC_BP,
      status,
      effective: ago(dice.between(3 * HOUR, 5 * DAY)),
      value: { value: 181, unit: 'mm[Hg]' },
    });
  }
  if (dice.chance(0.03)) patient.encounters.push(visit(EMERGENCY, 'finished', ago(dice.between(2 * HOUR, 10 * HOUR)), dice));
  if (dice.chance(0.03)) patient.encounters.push(visit(EMERGENCY, 'finished', ago(dice.between(5 * DAY, 9 * DAY)), dice));
  if (dice.chance(0.02)) patient.encounters.push({ class: EMERGENCY, status: 'in-progress', start: ago(dice.between(HOUR, 8 * HOUR)) });
  if (dice.chance(0.02)) patient.encounters.push(visit(EMERGENCY, 'entered-in-error', ago(dice.between(DAY, 2 * DAY)), dice));
  if (dice.chance(0.06)) patient.encounters.push(visit(AMBULATORY, 'finished', ago(dice.between(DAY, 2 * DAY)), dice));
  if (dice.chance(0.02)) {
    patient.procedures.push({ coding: dice.pick(HOSPICE), status: 'entered-in-error', performed: ago(dice.between(10 * DAY, 100 * DAY)) });
  }
  if (dice.chance(0.02)) {
    patient.procedures.push({ coding: dice.pick(HOSPICE), status: 'completed', performed: ago(dice.between(500 * DAY, 1500 * DAY)) });
  }
  if (patient.gender === 'female' && dice.chance(0.05)) {
    const old = dice.chance(0.5);
    patient.conditions.push({
      coding: old ? dice.pick(PREGNANCY) : DELIVERED,
      clinicalStatus: old ? 'active' : 'resolved',
      onset: ago(dice.between(400 * DAY, 900 * DAY)),
    });
  }
}

function hba1c(coding: Coded, status: ObservationStatus, effective: Date, dice: ScenarioDice): ObservationRecord {
  return { coding, status, effective, value: { value: Math.round(dice.between(55, 105)) / 10, unit: '%' } };
}

function visit(kind: Coded, status: EncounterRecord['status'], end: Date, dice: ScenarioDice): EncounterRecord {
  return { class: kind, status, start: new Date(end.getTime() - dice.between(2 * HOUR, 6 * HOUR)), end };
}
