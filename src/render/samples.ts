/**
 * A sample patient, one trigger of each type and an organisation: what `templates check` and the registry render
 * every template with to measure how it reads. Synthetic (nobody's data), realistic in length: real RxNorm and
 * SNOMED displays, a first name of average length. Built through the same facts the engine uses.
 */
import type { Patient, PatientContext } from '../fhir/index.ts';
import type { TriggerResource, TriggerResourceType } from '../triggers/index.ts';
import { buildTemplateContext, type TemplateContext } from './context.ts';
import { factsFromPatientContext } from './facts.ts';

const NOW = new Date('2026-11-26T15:00:00Z');
const subject = { reference: 'Patient/sample' };
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const SNOMED = 'http://snomed.info/sct';

const PATIENT: Patient = {
  resourceType: 'Patient',
  id: 'sample',
  name: [{ use: 'official', given: ['Alex'], family: 'Rivera' }],
  extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/timezone', valueCode: 'America/Chicago' }],
};

const medicationRequest = (code: string, display: string, authoredOn: string): TriggerResource => ({
  resourceType: 'MedicationRequest',
  id: `sample-${code}`,
  subject,
  status: 'active',
  intent: 'order',
  authoredOn,
  medicationCodeableConcept: { coding: [{ system: RXNORM, code, display }] },
});

const condition = (code: string, display: string, onsetDateTime: string): TriggerResource => ({
  resourceType: 'Condition',
  id: `sample-${code}`,
  subject,
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  code: { coding: [{ system: SNOMED, code, display }] },
  onsetDateTime,
});

/** One trigger per type: a type added to the registry without a sample here does not compile. */
const TRIGGERS: Record<TriggerResourceType, TriggerResource> = {
  Condition: condition('44054006', 'Diabetes mellitus type 2', '2026-09-14'),
  Procedure: {
    resourceType: 'Procedure',
    id: 'sample-suture',
    subject,
    status: 'completed',
    code: { coding: [{ system: SNOMED, code: '18557009', display: 'Closure of wound by suture' }] },
    performedDateTime: '2026-11-24T16:30:00Z',
  },
  MedicationRequest: medicationRequest('617312', 'atorvastatin 10 MG Oral Tablet', '2026-11-12'),
  MedicationStatement: {
    resourceType: 'MedicationStatement',
    id: 'sample-lisinopril',
    subject,
    status: 'active',
    effectiveDateTime: '2026-11-10',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '314076', display: 'lisinopril 10 MG Oral Tablet' }] },
  },
  Observation: {
    resourceType: 'Observation',
    id: 'sample-hba1c',
    subject,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' }], text: 'HbA1c' },
    effectiveDateTime: '2026-11-20T14:05:00Z',
    valueQuantity: { value: 9.4, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  },
  Encounter: {
    resourceType: 'Encounter',
    id: 'sample-ed-visit',
    subject,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER', display: 'emergency' },
    type: [{ coding: [{ system: SNOMED, code: '50849002', display: 'Emergency room admission' }], text: 'Emergency visit' }],
    period: { start: '2026-11-24T22:10:00Z', end: '2026-11-25T03:40:00Z' },
  },
};

const RECORDS: TriggerResource[] = [
  ...Object.values(TRIGGERS),
  condition('59621000', 'Essential hypertension', '2024-03-02'),
  medicationRequest('860975', '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet', '2026-09-14'),
];

/** How soon replies come, per language of the shipped examples; other languages get the English text. */
const REPLY_TIME = new Map([
  ['en', '2 business days'],
  ['es', '2 días hábiles'],
]);

export interface SampleContext {
  /** The trigger type this sample prompt is about. */
  trigger: TriggerResourceType;
  context: TemplateContext;
}

/** A sample context per trigger type, for a template written in `language`. */
export function sampleContexts(language: string): SampleContext[] {
  const replyTime = REPLY_TIME.get(new Intl.Locale(language).language) ?? '2 business days';
  const patientContext: PatientContext = {
    patient: { ...PATIENT, communication: [{ language: { coding: [{ code: language }] }, preferred: true }] },
    records: RECORDS,
    consents: [],
  };
  return (Object.keys(TRIGGERS) as TriggerResourceType[]).map((type) => ({
    trigger: type,
    context: buildTemplateContext({
      // With the value: a template may print it (for the campaigns that allow it), so its reading is measured with it.
      ...factsFromPatientContext(patientContext, TRIGGERS[type], {
        defaultTimezone: 'America/Chicago',
        now: NOW,
        recentProcedureDays: 90,
        showValue: true,
        language,
      }),
      org: { name: 'Riverside Family Medicine', replyTime, phone: '555-0100' },
      campaign: { id: 'sample', name: 'Sample campaign' },
      now: NOW,
    }),
  }));
}
