/**
 * A deterministic synthetic population for the demo, tests and benchmarks: the same seed and `asOf` give the same
 * patients, and `expectations` says what the first three example campaigns in jobs/ should do with them.
 *
 * Glossary
 * - trigger: a resource that makes a campaign due (a suture closure in the last 3 days, an active new-medication
 *   order 14 to 21 days old, an active type 2 diabetes diagnosis).
 * - decoy: a near miss the engine must not act on (wrong status, date or code).
 * - skipped: a patient with triggers who must not get a prompt: deceased, inactive, or without a given name (the
 *   templates greet the patient by first name). These patients come in fixed slots of every block of 100 (2
 *   deceased, 2 inactive, 1 without a given name), never two reasons at once, and each has triggers for some
 *   campaigns, so every reason is exercised by every population of 100 patients or more.
 *
 * - criteria records: HbA1c and blood pressure results, emergency visits, hospice, palliative care, pregnancy and
 *   children, for the campaigns with criteria and exclusions (criteria-scenarios.ts); their expected outcomes are
 *   computed by the tests (test/support/expected-outcomes.ts) from `populationRecords`.
 *
 * Each patient is generated from (seed, index) alone, so bundles are built lazily and 100,000 patients never sit
 * in memory at once; the expectations come from a separate pass over the same records.
 */
import type {
  Bundle,
  BundleEntry,
  CodeableConcept,
  Condition,
  Encounter,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Procedure,
  Resource,
} from '@medplum/fhirtypes';
import { seededRandom } from '../random/index.ts';
import { addCriteriaScenarios, type EncounterRecord, type ObservationRecord, type ProcedureStatus } from './criteria-scenarios.ts';

export type FhirBundle = Bundle;

export interface PopulationOptions {
  patients: number;
  /** Defaults to 1. */
  seed?: number;
  /** The instant every date is relative to (the engine's "now"). */
  asOf: Date;
}

export interface SkipCounts {
  deceased: number;
  inactive: number;
  missingFirstName: number;
}

/**
 * Prompts owed, per campaign, in the campaign's own unit: wound care counts Procedures (a patient has at most
 * one due, so also patients), medication check-in counts MedicationRequests (a patient may have two), diabetes
 * counts patients (two diagnosis codings still make one prompt).
 */
export interface PopulationExpectations {
  patients: number;
  resources: number;
  woundCare: number;
  medicationCheckIn: number;
  diabetes: number;
  /** Triggers whose patient must be skipped, per campaign and reason, in the same units (one per skipped patient). */
  skipped: Record<CampaignKey, SkipCounts>;
}

type CampaignKey = 'woundCare' | 'medicationCheckIn' | 'diabetes';
type SkipReason = keyof SkipCounts;

const SNOMED = 'http://snomed.info/sct';
const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const BCP47 = 'urn:ietf:bcp:47';
const TIMEZONE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/timezone';
/** The system of the identifier each synthetic Patient carries: its `mrn`. */
export const MRN_SYSTEM = 'urn:careprompt:synthetic-mrn';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const UCUM = 'http://unitsofmeasure.org';
const UNIT_TEXT = { '%': '%', 'mm[Hg]': 'mmHg', kPa: 'kPa' } as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PATIENTS_PER_BUNDLE = 100;
const CONCURRENT_BUNDLES = 4;

const SUTURE_CLOSURE = { system: SNOMED, code: '18557009', display: 'Closure of wound by suture' };
const OTHER_PROCEDURES = [
  { system: SNOMED, code: '274474001', display: 'Bone immobilization' },
  { system: SNOMED, code: '266694003', display: 'Heat therapy' },
  { system: SNOMED, code: '428191000124101', display: 'Documentation of current medications' },
];
const METFORMIN_ER = { system: RXNORM, code: '860975', display: '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet' };
const LISINOPRIL = { system: RXNORM, code: '314076', display: 'lisinopril 10 MG Oral Tablet' };
const NEW_CHRONIC_DRUGS = [
  METFORMIN_ER,
  LISINOPRIL,
  { system: RXNORM, code: '617312', display: 'atorvastatin 10 MG Oral Tablet' },
  { system: RXNORM, code: '617310', display: 'atorvastatin 20 MG Oral Tablet' },
  { system: RXNORM, code: '617311', display: 'atorvastatin 40 MG Oral Tablet' },
  { system: RXNORM, code: '259255', display: 'atorvastatin 80 MG Oral Tablet' },
];
const OTHER_DRUGS = [
  { system: RXNORM, code: '313782', display: 'Acetaminophen 325 MG Oral Tablet' },
  { system: RXNORM, code: '198405', display: 'Ibuprofen 100 MG Oral Tablet' },
  { system: RXNORM, code: '309097', display: 'Cefuroxime 250 MG Oral Tablet' },
];
const T2D_SNOMED = { system: SNOMED, code: '44054006', display: 'Diabetes mellitus type 2' };
const T2D_ICD10 = { system: ICD10CM, code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' };
const T2D_CODES = new Set([codeKey(T2D_SNOMED), codeKey(T2D_ICD10)]);
const CHECK_IN_CODES = new Set(NEW_CHRONIC_DRUGS.map(codeKey));
const HYPERTENSION = [
  { system: SNOMED, code: '38341003', display: 'Hypertensive disorder' },
  { system: SNOMED, code: '59621000', display: 'Essential hypertension' },
];

const TIMEZONES = ['America/New_York', 'America/New_York', 'America/Chicago', 'America/Chicago', 'America/Los_Angeles', 'America/Denver'];
const NAMES = {
  en: {
    female: ['Emma', 'Olivia', 'Ava', 'Charlotte', 'Amelia', 'Harper', 'Evelyn', 'Linda', 'Barbara', 'Susan', 'Margaret', 'Dorothy'],
    male: ['Liam', 'Noah', 'William', 'James', 'Benjamin', 'Henry', 'Michael', 'Robert', 'David', 'Richard', 'Thomas', 'George'],
    family: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor', 'Moore', 'Clark'],
  },
  es: {
    female: ['María', 'Lucía', 'Sofía', 'Valentina', 'Camila', 'Carmen', 'Rosa', 'Ana', 'Guadalupe', 'Elena', 'Paula', 'Isabel'],
    male: ['José', 'Juan', 'Carlos', 'Luis', 'Miguel', 'Jorge', 'Javier', 'Alejandro', 'Diego', 'Mateo', 'Santiago', 'Francisco'],
    family: [
      'García',
      'Rodríguez',
      'Martínez',
      'Hernández',
      'López',
      'González',
      'Pérez',
      'Sánchez',
      'Ramírez',
      'Torres',
      'Flores',
      'Díaz',
    ],
  },
};

type Coded = { system: string; code: string; display: string };

function codeKey(coded: Coded): string {
  return `${coded.system}|${coded.code}`;
}

/** One patient as plain facts; the expectation rules and the FHIR mapping both read this. */
export interface SyntheticPatient {
  mrn: string;
  uuid: string;
  given?: string;
  family: string;
  gender: 'female' | 'male';
  birthDate: string;
  language?: 'en' | 'es';
  timezone?: string;
  active: boolean;
  deceased?: { at?: Date };
  procedures: { coding: Coded; status: ProcedureStatus; performed: Date }[];
  medicationRequests: { coding: Coded; status: 'active' | 'stopped'; authoredOn: Date }[];
  conditions: { coding: Coded; clinicalStatus: 'active' | 'resolved'; onset: Date }[];
  medicationStatements: { coding: Coded; effective: Date }[];
  observations: ObservationRecord[];
  encounters: EncounterRecord[];
}

// ---- Expectation rules: the campaigns in jobs/, restated over the plain records ----

function isWoundCareDue(procedure: SyntheticPatient['procedures'][number], asOf: Date): boolean {
  const age = asOf.getTime() - procedure.performed.getTime();
  const isSutureClosure = codeKey(procedure.coding) === codeKey(SUTURE_CLOSURE);
  return isSutureClosure && procedure.status === 'completed' && age >= 0 && age <= 3 * DAY;
}

function isCheckInDue(request: SyntheticPatient['medicationRequests'][number], asOf: Date): boolean {
  const age = asOf.getTime() - request.authoredOn.getTime();
  return CHECK_IN_CODES.has(codeKey(request.coding)) && request.status === 'active' && age >= 14 * DAY && age <= 21 * DAY;
}

function hasActiveType2Diabetes(patient: SyntheticPatient): boolean {
  return patient.conditions.some((condition) => condition.clinicalStatus === 'active' && T2D_CODES.has(codeKey(condition.coding)));
}

function skipReasonOf(patient: SyntheticPatient): SkipReason | undefined {
  if (patient.deceased) return 'deceased';
  if (!patient.active) return 'inactive';
  if (!patient.given) return 'missingFirstName';
  return undefined;
}

function computeExpectations(patients: Iterable<SyntheticPatient>, asOf: Date): PopulationExpectations {
  const noSkips = (): SkipCounts => ({ deceased: 0, inactive: 0, missingFirstName: 0 });
  const expectations: PopulationExpectations = {
    patients: 0,
    resources: 0,
    woundCare: 0,
    medicationCheckIn: 0,
    diabetes: 0,
    skipped: { woundCare: noSkips(), medicationCheckIn: noSkips(), diabetes: noSkips() },
  };
  for (const patient of patients) {
    expectations.patients += 1;
    expectations.resources += resourceCount(patient);
    const owed: Record<CampaignKey, number> = {
      woundCare: patient.procedures.filter((procedure) => isWoundCareDue(procedure, asOf)).length,
      medicationCheckIn: patient.medicationRequests.filter((request) => isCheckInDue(request, asOf)).length,
      diabetes: hasActiveType2Diabetes(patient) ? 1 : 0,
    };
    const skipReason = skipReasonOf(patient);
    for (const campaign of ['woundCare', 'medicationCheckIn', 'diabetes'] as const) {
      if (skipReason) {
        expectations.skipped[campaign][skipReason] += owed[campaign];
      } else {
        expectations[campaign] += owed[campaign];
      }
    }
  }
  return expectations;
}

function resourceCount(patient: SyntheticPatient): number {
  const { procedures, medicationRequests, conditions, medicationStatements, observations, encounters } = patient;
  const records = [procedures, medicationRequests, conditions, medicationStatements, observations, encounters];
  return 1 + records.reduce((sum, list) => sum + list.length, 0);
}

// ---- Generation ----

class Dice {
  constructor(readonly next: () => number) {}
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) {
      throw new Error('pick() needs a non-empty list');
    }
    return item;
  }
  between(low: number, high: number): number {
    return low + this.next() * (high - low);
  }
  /** A random RFC 4122 version 4 UUID, as `urn:uuid:` references require. */
  uuid(): string {
    const hex = Array.from({ length: 4 }, () =>
      Math.floor(this.next() * 4_294_967_296)
        .toString(16)
        .padStart(8, '0'),
    ).join('');
    const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/** Where, in each block of 100 patients, the skipped patients sit; shifted by the seed. */
function skipSlot(seed: number, index: number): { reason: SkipReason; ordinal: number } | undefined {
  const block = Math.floor(index / 100);
  const slot = (index + seed) % 100;
  const slots: [number, SkipReason, number][] = [
    [7, 'deceased', 2 * block],
    [57, 'deceased', 2 * block + 1],
    [23, 'inactive', 2 * block],
    [73, 'inactive', 2 * block + 1],
    [41, 'missingFirstName', block],
  ];
  const found = slots.find(([position]) => position === slot);
  return found && { reason: found[1], ordinal: found[2] };
}

function syntheticPatient(seed: number, index: number, asOf: Date): SyntheticPatient {
  const dice = new Dice(seededRandom(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)));
  const ago = (ms: number) => new Date(asOf.getTime() - ms);
  const roll = dice.next();
  const language = roll < 0.2 ? 'es' : roll < 0.9 ? 'en' : undefined;
  const names = NAMES[dice.chance(language === 'es' ? 0.9 : 0.15) ? 'es' : 'en'];
  const gender = dice.chance(0.52) ? 'female' : 'male';
  const skip = skipSlot(seed, index);
  const patient: SyntheticPatient = {
    mrn: `S${seed}-${index}`,
    uuid: dice.uuid(),
    given: skip?.reason === 'missingFirstName' ? undefined : dice.pick(names[gender]),
    family: dice.pick(names.family),
    gender,
    birthDate: ago(dice.between(25, 92) * 365.25 * DAY)
      .toISOString()
      .slice(0, 10),
    language,
    timezone: dice.chance(0.9) ? dice.pick(TIMEZONES) : undefined,
    active: skip?.reason !== 'inactive',
    // Died after their triggers (all 2+ hours old), so the record is consistent; half say only "deceased".
    deceased: skip?.reason === 'deceased' ? { at: dice.chance(0.5) ? ago(dice.between(HOUR, 2 * HOUR)) : undefined } : undefined,
    procedures: [],
    medicationRequests: [],
    conditions: [],
    medicationStatements: [],
    observations: [],
    encounters: [],
  };

  // Triggers: at random for most patients; for skipped ones by their ordinal, so each reason meets each campaign.
  const pattern = skip ? skip.ordinal % 4 : -1;
  const wantsWoundCare = skip ? pattern === 0 || pattern === 1 : dice.chance(0.08);
  const wantsCheckIn = skip ? pattern === 0 || pattern === 2 : dice.chance(0.1);
  const wantsDiabetes = skip ? pattern === 0 || pattern === 3 : dice.chance(0.25);
  const dueForCheckIn = () => ago(dice.between(14 * DAY + 3 * HOUR, 21 * DAY - 3 * HOUR));
  // Dates stay 2-3 hours inside the windows so an engine started a little after `asOf` sees the same answer.
  if (wantsWoundCare) {
    patient.procedures.push({ coding: SUTURE_CLOSURE, status: 'completed', performed: ago(dice.between(2 * HOUR, 70 * HOUR)) });
  }
  if (wantsCheckIn) {
    const first = dice.pick(NEW_CHRONIC_DRUGS);
    patient.medicationRequests.push({ coding: first, status: 'active', authoredOn: dueForCheckIn() });
    const second = dice.pick(NEW_CHRONIC_DRUGS);
    if (!skip && second !== first && dice.chance(0.15)) {
      patient.medicationRequests.push({ coding: second, status: 'active', authoredOn: dueForCheckIn() });
    }
  }
  if (wantsDiabetes) {
    const onset = ago(dice.between(60 * DAY, 15 * 365 * DAY));
    const codings = dice.chance(0.3) ? [T2D_SNOMED, T2D_ICD10] : [dice.pick([T2D_SNOMED, T2D_SNOMED, T2D_ICD10])];
    for (const coding of codings) {
      patient.conditions.push({ coding, clinicalStatus: 'active', onset });
    }
    if (dice.chance(0.5)) {
      patient.medicationStatements.push({ coding: METFORMIN_ER, effective: ago(dice.between(90 * DAY, 900 * DAY)) });
    }
  }

  // Decoys, for everyone.
  if (dice.chance(0.03)) {
    patient.procedures.push({ coding: SUTURE_CLOSURE, status: 'completed', performed: ago(10 * DAY + dice.between(0, 12 * HOUR)) });
  }
  if (dice.chance(0.02)) {
    patient.procedures.push({ coding: SUTURE_CLOSURE, status: 'in-progress', performed: ago(dice.between(2 * HOUR, 48 * HOUR)) });
  }
  if (dice.chance(0.06)) {
    patient.procedures.push({
      coding: dice.pick(OTHER_PROCEDURES),
      status: 'completed',
      performed: ago(dice.between(2 * HOUR, 70 * HOUR)),
    });
  }
  if (dice.chance(0.04)) {
    patient.medicationRequests.push({ coding: dice.pick(NEW_CHRONIC_DRUGS), status: 'active', authoredOn: ago(3 * DAY) });
  }
  if (dice.chance(0.05)) {
    patient.medicationRequests.push({ coding: dice.pick(NEW_CHRONIC_DRUGS), status: 'active', authoredOn: ago(60 * DAY) });
  }
  if (dice.chance(0.03)) {
    patient.medicationRequests.push({ coding: dice.pick(NEW_CHRONIC_DRUGS), status: 'stopped', authoredOn: dueForCheckIn() });
  }
  if (dice.chance(0.08)) {
    patient.medicationRequests.push({ coding: dice.pick(OTHER_DRUGS), status: 'active', authoredOn: dueForCheckIn() });
  }
  if (!wantsDiabetes && dice.chance(0.04)) {
    patient.conditions.push({ coding: T2D_SNOMED, clinicalStatus: 'resolved', onset: ago(dice.between(400 * DAY, 3000 * DAY)) });
  }
  if (dice.chance(0.3)) {
    patient.conditions.push({ coding: dice.pick(HYPERTENSION), clinicalStatus: 'active', onset: ago(dice.between(200 * DAY, 5000 * DAY)) });
    if (dice.chance(0.5)) {
      patient.medicationStatements.push({ coding: LISINOPRIL, effective: ago(dice.between(150 * DAY, 3000 * DAY)) });
    }
  }

  // The criteria campaigns' records, from a stream of their own (see criteria-scenarios.ts).
  const criteriaDice = new Dice(seededRandom(Math.imul(seed ^ 0x27d4eb2f, 0x165667b1) ^ Math.imul(index + 1, 0x9e3779b1)));
  addCriteriaScenarios(patient, criteriaDice, asOf, {
    isDiabetic: hasActiveType2Diabetes(patient),
    addDiabetes: () =>
      patient.conditions.push({ coding: T2D_SNOMED, clinicalStatus: 'active', onset: ago(criteriaDice.between(60 * DAY, 3000 * DAY)) }),
    ...(skip ? { skipped: { ordinal: skip.ordinal } } : {}),
  });
  return patient;
}

function* syntheticPatients(options: PopulationOptions, from = 0, to = options.patients): Generator<SyntheticPatient> {
  for (let index = from; index < to; index += 1) {
    yield syntheticPatient(options.seed ?? 1, index, options.asOf);
  }
}

// ---- FHIR mapping ----

function toEntries(patient: SyntheticPatient, asOf: Date, dice: Dice): BundleEntry[] {
  // "A little before asOf", so tests can still seed data older than a watermark by choosing asOf.
  const meta = () => ({ lastUpdated: new Date(asOf.getTime() - dice.between(60_000, 2 * HOUR)).toISOString() });
  const subject = { reference: `urn:uuid:${patient.uuid}` };
  const concept = (coding: Coded): CodeableConcept => ({ coding: [coding], text: coding.display });
  const resources: Resource[] = [
    ...patient.procedures.map(
      (procedure): Procedure => ({
        resourceType: 'Procedure',
        meta: meta(),
        status: procedure.status,
        code: concept(procedure.coding),
        subject,
        performedDateTime: procedure.performed.toISOString(),
      }),
    ),
    ...patient.medicationRequests.map(
      (request): MedicationRequest => ({
        resourceType: 'MedicationRequest',
        meta: meta(),
        status: request.status,
        intent: 'order',
        medicationCodeableConcept: concept(request.coding),
        subject,
        authoredOn: request.authoredOn.toISOString(),
      }),
    ),
    ...patient.conditions.map(
      (condition): Condition => ({
        resourceType: 'Condition',
        meta: meta(),
        clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: condition.clinicalStatus }] },
        code: concept(condition.coding),
        subject,
        onsetDateTime: condition.onset.toISOString(),
      }),
    ),
    ...patient.medicationStatements.map(
      (statement): MedicationStatement => ({
        resourceType: 'MedicationStatement',
        meta: meta(),
        status: 'active',
        medicationCodeableConcept: concept(statement.coding),
        subject,
        effectiveDateTime: statement.effective.toISOString(),
      }),
    ),
    ...patient.observations.map(
      (observation): Observation => ({
        resourceType: 'Observation',
        meta: meta(),
        status: observation.status,
        category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: observation.value.unit === '%' ? 'laboratory' : 'vital-signs' }] }],
        code: concept(observation.coding),
        subject,
        effectiveDateTime: observation.effective.toISOString(),
        valueQuantity: {
          value: observation.value.value,
          unit: UNIT_TEXT[observation.value.unit],
          system: UCUM,
          code: observation.value.unit,
        },
      }),
    ),
    ...patient.encounters.map(
      (encounter): Encounter => ({
        resourceType: 'Encounter',
        meta: meta(),
        status: encounter.status,
        class: encounter.class,
        subject,
        period: { start: encounter.start.toISOString(), ...(encounter.end ? { end: encounter.end.toISOString() } : {}) },
      }),
    ),
  ];
  return [
    { fullUrl: subject.reference, resource: toPatient(patient, meta()), request: { method: 'POST', url: 'Patient' } },
    ...resources.map((resource): BundleEntry => ({ resource, request: { method: 'POST', url: resource.resourceType } })),
  ];
}

function toPatient(patient: SyntheticPatient, meta: Patient['meta']): Patient {
  const language = { es: { code: 'es', display: 'Spanish' }, en: { code: 'en', display: 'English' } };
  return {
    resourceType: 'Patient',
    meta,
    identifier: [{ system: MRN_SYSTEM, value: patient.mrn }],
    active: patient.active,
    name: [{ use: 'official', family: patient.family, ...(patient.given ? { given: [patient.given] } : {}) }],
    gender: patient.gender,
    birthDate: patient.birthDate,
    ...(patient.deceased?.at ? { deceasedDateTime: patient.deceased.at.toISOString() } : {}),
    ...(patient.deceased && !patient.deceased.at ? { deceasedBoolean: true } : {}),
    ...(patient.language
      ? { communication: [{ language: { coding: [{ system: BCP47, ...language[patient.language] }] }, preferred: true }] }
      : {}),
    ...(patient.timezone ? { extension: [{ url: TIMEZONE_EXTENSION, valueCode: patient.timezone }] } : {}),
  };
}

function* transactionBundles(options: PopulationOptions): Generator<FhirBundle> {
  const dice = new Dice(seededRandom((options.seed ?? 1) ^ 0x5bd1e995));
  for (let from = 0; from < options.patients; from += PATIENTS_PER_BUNDLE) {
    const entry: BundleEntry[] = [];
    for (const patient of syntheticPatients(options, from, Math.min(options.patients, from + PATIENTS_PER_BUNDLE))) {
      entry.push(...toEntries(patient, options.asOf, dice));
    }
    yield { resourceType: 'Bundle', type: 'transaction', entry };
  }
}

// ---- Public face ----

/** `bundles` is re-iterable and built lazily, one transaction of ~100 patients at a time. */
export function buildPopulation(options: PopulationOptions): { bundles: Iterable<FhirBundle>; expectations: PopulationExpectations } {
  return {
    bundles: { [Symbol.iterator]: () => transactionBundles(options) },
    expectations: computeExpectations(syntheticPatients(options), options.asOf),
  };
}

/** The same patients as plain records (their `mrn` is the Patient's identifier), for expectations computed elsewhere. */
export function populationRecords(options: PopulationOptions): Iterable<SyntheticPatient> {
  return { [Symbol.iterator]: () => syntheticPatients(options) };
}

/**
 * POSTs the population's transaction bundles, a few at a time, and resolves to its expectations. `headers` go
 * with every request (an Authorization header for a server that demands one).
 */
export async function seedPopulation(
  baseUrl: string,
  options: PopulationOptions,
  headers: Record<string, string> = {},
): Promise<PopulationExpectations> {
  const { bundles, expectations } = buildPopulation(options);
  const pending = bundles[Symbol.iterator]();
  let posted = 0;
  const postRemaining = async (): Promise<void> => {
    for (let next = pending.next(); !next.done; next = pending.next()) {
      const bundleNumber = posted++;
      const response = await fetch(baseUrl, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/fhir+json' },
        body: JSON.stringify(next.value),
      });
      const answer = await response.text();
      if (!response.ok) {
        throw new Error(
          `Seeding transaction bundle ${bundleNumber} (patients from ${bundleNumber * PATIENTS_PER_BUNDLE}) failed: HTTP ${response.status} ${answer.slice(0, 500)}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_BUNDLES }, postRemaining));
  return expectations;
}
