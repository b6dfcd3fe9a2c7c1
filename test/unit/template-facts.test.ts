import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import type { Patient } from '../../src/fhir/index.ts';
import { buildTemplateContext, factsFromPatientContext } from '../../src/render/index.ts';
import type { Condition, MedicationRequest, MedicationStatement, Procedure, TriggerResource } from '../../src/triggers/index.ts';

const NOW = new Date('2026-11-26T18:00:00Z');
const OPTIONS = { defaultTimezone: 'America/Chicago', now: NOW, recentProcedureDays: 90 };
const TIMEZONE_URL = 'http://hl7.org/fhir/StructureDefinition/timezone';
const subject = { reference: 'Patient/p1' };

function patient(fields: Partial<Patient> = {}): Patient {
  return { resourceType: 'Patient', id: 'p1', ...fields };
}

function status(code: string) {
  return { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code }] };
}

function condition(id: string, clinical: string, onsetDateTime?: string, extra: Partial<Condition> = {}): Condition {
  return {
    resourceType: 'Condition',
    id,
    subject,
    clinicalStatus: status(clinical),
    code: { coding: [{ system: 'http://snomed.info/sct', code: id, display: `condition ${id}` }] },
    ...(onsetDateTime ? { onsetDateTime } : {}),
    ...extra,
  };
}

function procedure(id: string, procedureStatus: string, performedDateTime?: string): Procedure {
  return {
    resourceType: 'Procedure',
    id,
    subject,
    status: procedureStatus,
    code: { text: `procedure ${id}` },
    ...(performedDateTime ? { performedDateTime } : {}),
  };
}

function medicationRequest(id: string, requestStatus: string, authoredOn: string): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    subject,
    status: requestStatus,
    authoredOn,
    medicationCodeableConcept: { coding: [{ code: id, display: `medication ${id}` }] },
  };
}

/** The patient's records, by kind, for readability; the context holds them in one list. */
interface Records {
  patient?: Patient;
  conditions?: Condition[];
  procedures?: Procedure[];
  medications?: Array<MedicationRequest | MedicationStatement>;
}

function facts(
  records: Records = {},
  trigger: TriggerResource = procedure('t', 'completed', '2026-11-24'),
  options: Partial<typeof OPTIONS> = {},
) {
  const { conditions = [], procedures = [], medications = [] } = records;
  return factsFromPatientContext(
    { patient: records.patient ?? patient(), records: [...conditions, ...procedures, ...medications] },
    trigger,
    { ...OPTIONS, ...options },
  );
}

describe('patient name', () => {
  it('prefers the official name over a usual name listed first', () => {
    const names = [
      { use: 'usual', given: ['Bea'], family: 'Ruiz' },
      { use: 'official', given: ['Beatriz', 'Elena'], family: 'Ruiz Soto' },
    ];
    expect(facts({ patient: patient({ name: names }) }).patient).toMatchObject({ firstName: 'Beatriz', lastName: 'Ruiz Soto' });
  });

  it('skips expired, not-yet-valid and retired names', () => {
    const names = [
      { use: 'official', given: ['Old'], family: 'Official', period: { end: '2020-01-01' } },
      { use: 'official', given: ['Future'], family: 'Official', period: { start: '2027-01-01' } },
      { use: 'old', given: ['Former'] },
      { use: 'maiden', given: ['Maiden'] },
      { use: 'usual', given: [' Sam '], family: 'Lee', period: { start: '2021-05-01', end: '2030-01-01' } },
    ];
    expect(facts({ patient: patient({ name: names }) }).patient).toMatchObject({ firstName: 'Sam', lastName: 'Lee' });
  });

  it('leaves the first name out when there is no usable given name', () => {
    expect(facts().patient.firstName).toBeUndefined();
    expect(facts({ patient: patient({ name: [{ use: 'official', family: 'Ruiz' }] }) }).patient.firstName).toBeUndefined();
  });
});

describe('patient language and time zone', () => {
  const language = (code: string, preferred?: boolean) => ({
    language: { coding: [{ system: 'urn:ietf:bcp:47', code }] },
    ...(preferred === undefined ? {} : { preferred }),
  });

  it('uses the preferred communication language, else the first', () => {
    const communication = [language('en'), language('es-mx', true)];
    expect(facts({ patient: patient({ communication }) }).patient.language).toBe('es-MX');
    expect(facts({ patient: patient({ communication: [language('vi'), language('en')] }) }).patient.language).toBe('vi');
    expect(facts({ patient: patient({ communication: [language('not a tag', true)] }) }).patient.language).toBeUndefined();
    expect(facts().patient.language).toBeUndefined();
  });

  it('uses a valid IANA zone from the timezone extension, else the default', () => {
    const zone = (valueCode: string) => patient({ extension: [{ url: TIMEZONE_URL, valueCode }] });
    expect(facts({ patient: zone('America/Los_Angeles') }).patient.timezone).toBe('America/Los_Angeles');
    expect(facts({ patient: zone('Mars/Olympus_Mons') }).patient.timezone).toBe('America/Chicago');
    expect(facts({ patient: zone('+05:00') }).patient.timezone).toBe('America/Chicago');
    expect(facts().patient.timezone).toBe('America/Chicago');
  });
});

describe('clinical facts', () => {
  it('keeps active, recurring and relapsed conditions, newest first, never one entered in error or refuted', () => {
    const conditions = [
      condition('a', 'active', '2019-01-01'),
      condition('b', 'resolved', '2026-01-01'),
      condition('c', 'recurrence', '2025-06-01T10:00:00Z'),
      condition('d', 'relapse'),
      condition('e', 'inactive', '2026-02-01'),
      condition('f', 'active', '2026-03-01', { verificationStatus: { coding: [{ code: 'entered-in-error' }] } }),
      condition('g', 'active', undefined, { recordedDate: '2024-02-01' }),
      condition('h', 'active', '2026-04-01', { verificationStatus: { coding: [{ code: 'refuted' }] } }),
    ];
    expect(facts({ conditions }).conditions).toEqual([
      { display: 'condition c', fullDisplay: 'condition c', code: 'c', date: '2025-06-01T10:00:00Z' },
      { display: 'condition g', fullDisplay: 'condition g', code: 'g', date: '2024-02-01' },
      { display: 'condition a', fullDisplay: 'condition a', code: 'a', date: '2019-01-01' },
      { display: 'condition d', fullDisplay: 'condition d', code: 'd', date: undefined },
    ]);
  });

  it('keeps active medications from requests and statements, newest first', () => {
    const statement: MedicationStatement = {
      resourceType: 'MedicationStatement',
      id: 's',
      subject,
      status: 'active',
      effectivePeriod: { start: '2026-10-01' },
      medicationCodeableConcept: { text: 'home aspirin' },
    };
    const medications = [
      medicationRequest('old', 'active', '2024-01-01'),
      medicationRequest('stopped', 'stopped', '2026-11-01'),
      medicationRequest('new', 'active', '2026-11-20'),
      statement,
    ];
    expect(facts({ medications }).medications.map((medication) => medication.display)).toEqual([
      'medication new',
      'home aspirin',
      'medication old',
    ]);
  });

  it('keeps procedures completed within the last 90 days, newest first', () => {
    const procedures = [
      procedure('recent', 'completed', '2026-11-24'),
      procedure('in-progress', 'in-progress', '2026-11-25'),
      procedure('edge', 'completed', '2026-08-29T00:00:00Z'),
      procedure('too-old', 'completed', '2026-08-27'),
      procedure('undated', 'completed'),
      procedure('newest', 'completed', '2026-11-26T09:00:00-08:00'),
    ];
    expect(facts({ procedures }).procedures.map((fact) => fact.display)).toEqual([
      'procedure newest',
      'procedure recent',
      'procedure edge',
    ]);
  });

  it('takes the recent-procedure window from its options (RECENT_PROCEDURES_DAYS)', () => {
    const procedures = [procedure('two-days', 'completed', '2026-11-24'), procedure('ten-days', 'completed', '2026-11-16')];
    const listed = (days: number) => facts({ procedures }, undefined, { recentProcedureDays: days }).procedures.map((fact) => fact.display);
    expect(listed(7)).toEqual(['procedure two-days']);
    expect(listed(90)).toEqual(['procedure two-days', 'procedure ten-days']);
  });

  it('takes the display from coding, then text, and never invents one from the code', () => {
    const coded = medicationRequest('860975', 'active', '2026-11-20');
    coded.medicationCodeableConcept = { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '860975' }] };
    expect(facts({}, coded).trigger).toEqual({
      resourceType: 'MedicationRequest',
      code: '860975',
      system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
      display: undefined,
      fullDisplay: undefined,
      date: '2026-11-20',
    });
    coded.medicationCodeableConcept = { coding: [{ code: '860975', display: 'metformin ER 500 MG' }], text: 'Glucophage' };
    expect(facts({}, coded).trigger).toMatchObject({ display: 'Glucophage', fullDisplay: 'metformin ER 500 MG' });
    coded.medicationCodeableConcept = { coding: [{ code: '860975' }], text: 'metformin' };
    expect(facts({}, coded).trigger).toMatchObject({ display: 'metformin', fullDisplay: 'metformin' });
    const sutured = procedure('t', 'completed', '2026-11-24');
    sutured.code = { coding: [{ code: '18557009', display: 'Closure of wound by suture' }] };
    expect(facts({}, sutured).trigger).toMatchObject({ display: 'Closure of wound by suture', fullDisplay: 'Closure of wound by suture' });
  });

  it('names a medicine by its ingredients, keeps the full display, and lists each medicine once whatever its strength', () => {
    const request = (id: string, display: string, authoredOn: string): MedicationRequest => ({
      ...medicationRequest(id, 'active', authoredOn),
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: id, display }] },
    });
    const medications = [
      request('617312', 'atorvastatin 10 MG Oral Tablet', '2026-01-05'),
      request('617310', 'atorvastatin 20 MG Oral Tablet [Lipitor]', '2026-11-20'),
      request('860975', '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet', '2026-10-01'),
    ];
    const found = facts({ medications }, medications[1]);
    expect(found.trigger).toMatchObject({ display: 'atorvastatin', fullDisplay: 'atorvastatin 20 MG Oral Tablet [Lipitor]' });
    expect(found.medications.map(({ display, fullDisplay }) => [display, fullDisplay])).toEqual([
      ['atorvastatin', 'atorvastatin 20 MG Oral Tablet [Lipitor]'],
      ['metformin', '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet'],
    ]);
  });

  it('reads a contained Medication: its code, and its ingredients for the name', () => {
    const request: MedicationRequest = {
      ...medicationRequest('r', 'active', '2026-11-20'),
      medicationCodeableConcept: undefined,
      medicationReference: { reference: '#med' },
      contained: [
        {
          resourceType: 'Medication',
          id: 'med',
          code: { coding: [{ code: '1', display: 'Zestoretic 20-12.5 Oral Tablet' }] },
          ingredient: [{ itemCodeableConcept: { text: 'lisinopril' } }, { itemCodeableConcept: { text: 'hydrochlorothiazide' } }],
        },
      ],
    };
    expect(facts({ medications: [request] }, request).trigger).toMatchObject({
      code: '1',
      display: 'lisinopril / hydrochlorothiazide',
      fullDisplay: 'Zestoretic 20-12.5 Oral Tablet',
    });
    const elsewhere = { ...request, medicationReference: { reference: 'Medication/med' } };
    expect(facts({}, elsewhere).trigger).toMatchObject({ code: undefined, display: undefined });
  });

  it('drops dates less precise than a day', () => {
    expect(facts({}, procedure('t', 'completed', '2026-11')).trigger.date).toBeUndefined();
  });
});

describe('buildTemplateContext', () => {
  const input = {
    ...facts({ patient: patient({ name: [{ given: ['Ana'] }] }) }),
    org: { name: 'Clinic', replyTime: '2 business days' },
    campaign: { id: 'c1', name: 'Wound care' },
    now: NOW,
  };

  it('builds the context templates render against, with now as ISO text', () => {
    const context = buildTemplateContext({ ...input, patient: { ...input.patient, language: 'es-mx' } });
    expect(context.now).toBe('2026-11-26T18:00:00.000Z');
    expect(context.patient).toEqual({ firstName: 'Ana', language: 'es-MX', timezone: 'America/Chicago' });
    expect(context.trigger).toMatchObject({ resourceType: 'Procedure', display: 'procedure t', date: '2026-11-24' });
  });

  it('rejects bad facts naming the field, not the value', () => {
    const attempt = () => buildTemplateContext({ ...input, patient: { ...input.patient, timezone: 'Secret/Zone_Name' } });
    expect(attempt).toThrow(ZodError);
    expect(attempt).toThrow(/patient.*timezone|timezone/);
    expect(attempt).not.toThrow(/Secret/);
  });
});
