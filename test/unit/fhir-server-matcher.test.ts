import { matchesSearchRequest, parseSearchRequest } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPopulation } from '../../tools/demo/population.ts';
import { loadDefinitions } from '../../tools/fhir-server/definitions.ts';
import { compileMatcher } from '../../tools/fhir-server/matcher.ts';

const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const MRN = 'urn:careprompt:synthetic-mrn';

/** The synthetic population with server-like ids, its urn:uuid references made relative. */
function population(): Resource[] {
  const resources: Resource[] = [];
  const { bundles } = buildPopulation({ patients: 60, seed: 7, asOf: new Date('2025-03-10T12:00:00Z') });
  for (const bundle of bundles) {
    for (const entry of bundle.entry ?? []) {
      const id = entry.fullUrl?.replace('urn:uuid:', '') ?? `r${resources.length}`;
      const json = JSON.stringify({ ...entry.resource, id }).replace(/"urn:uuid:([^"]+)"/g, '"Patient/$1"');
      resources.push(JSON.parse(json) as Resource);
    }
  }
  return resources;
}

/** Shapes the population lacks: missing fields, periods, offsets, partial dates, codes without a system. */
const EDGE_CASES = [
  {
    resourceType: 'Patient',
    id: 'UPPER',
    name: [{ family: 'JONES', given: ['ana'] }],
    identifier: [{ value: 'S1-1' }],
    deceasedBoolean: true,
  },
  {
    resourceType: 'Patient',
    id: 'bare',
    meta: { lastUpdated: '2025-03-10T11:00:00+02:00', compartment: [{ reference: 'Patient/bare' }] },
    birthDate: '1956',
  },
  { resourceType: 'Condition', id: 'c-empty' },
  { resourceType: 'Condition', id: 'c-display', subject: { reference: 'Patient/bare', display: 'Bare' } },
  {
    resourceType: 'Condition',
    id: 'c-period',
    code: { text: 'Diabetes', coding: [{ code: '44054006' }] },
    subject: { identifier: { system: MRN, value: 'S1-0' } },
    onsetPeriod: { start: '2016-03', end: '2016-04-02T10:00:00-05:00' },
    recordedDate: '2016-03-05',
  },
  {
    resourceType: 'Procedure',
    id: 'p-offset',
    status: 'completed',
    subject: { reference: 'Patient/bare' },
    performedDateTime: '2025-03-08T23:30:00+05:00',
  },
  {
    resourceType: 'Procedure',
    id: 'p-open',
    status: 'completed',
    code: { coding: [{ system: SNOMED.toUpperCase(), code: '18557009' }] },
    performedPeriod: { start: '2025-03-07' },
  },
  {
    resourceType: 'MedicationRequest',
    id: 'm-ref',
    status: 'active',
    intent: 'order',
    medicationReference: { reference: 'Medication/x' },
    subject: { reference: 'Patient/bare' },
    authoredOn: '2025-02',
  },
] as Resource[];

/** Query strings per type: every parameter type and operator the server accepts, and some it refuses. */
const QUERIES: Record<string, string[]> = {
  Patient: [
    '_id=UPPER,bare,missing',
    '_id=upper',
    'name=jo',
    'name=JONES',
    'family=d%C3%ADaz',
    'name:contains=ia',
    'name:exact=Jones',
    `identifier=${MRN}|S1-0`,
    `identifier=${MRN}|`,
    'identifier=|S1-1',
    'identifier=S1-1',
    'identifier=|',
    'gender=female',
    'gender:not=male',
    'gender:missing=true',
    'birthdate=1956',
    'birthdate=ge1950-01-01',
    'birthdate=lt1950',
    'birthdate=sa1960&birthdate=eb1990',
    'birthdate=ne1956',
    'birthdate:missing=false',
    'deceased=true',
    'active=true',
    'language=es',
    '_lastUpdated=ge2025-03-10T11:00:00Z',
    '_lastUpdated=le2025-03-10',
    '_lastUpdated=ap2025-03-10T09:00:00Z',
    'general-practitioner:missing=true',
    '_compartment=bare',
    'colour=red',
  ],
  Condition: [
    `code=${SNOMED}|44054006`,
    `code=${SNOMED.toUpperCase()}|44054006,${RXNORM}|1`,
    'code=44054006',
    'code=|44054006',
    `code:not=${SNOMED}|44054006`,
    'code:text=diabetes',
    'clinical-status=active,recurrence,relapse',
    'clinical-status:missing=true',
    'subject=Patient/bare,Patient/UPPER',
    'subject:missing=true',
    'onset-date=ge2016-03-05',
    'onset-date=2016',
    'onset-date=gt2016-04-02T14:59:00Z',
    'recorded-date=le2016-03-05T00:00:00Z',
    '_text=diabetes',
    '_content=diabetes',
  ],
  Procedure: [
    'date=ge2025-03-07',
    'date=le2025-03-08T18:00:00Z',
    'date=ap2025-03-08',
    // p-offset's instant, normalized to Z: each bound exactly on an end of its period
    'date=ge2025-03-08T18:30:00.999Z',
    'date=gt2025-03-08T18:30:00.999Z',
    'date=le2025-03-08T18:30:00.000Z',
    'date=lt2025-03-08T18:30:00.000Z',
    'date=sa2025-03-08T18:30:00.000Z',
    'date=eb2025-03-08T18:30:00.999Z',
    'date=lt2025-03-07T00:00:00Z&date=gt2025-02-01',
    'status=completed',
    `code=${SNOMED}|18557009&status=completed&date=ge2025-03-07T12:00:00Z`,
    'subject=Patient/bare',
  ],
  MedicationRequest: [
    'authoredon=ge2025-02-17&authoredon=le2025-02-24',
    'authoredon=2025-02',
    'status=active',
    `code=${RXNORM}|860975,${RXNORM}|314076`,
    'medication=Medication/x',
    'intent=order&status:not=stopped',
  ],
};

function outcome(test: () => boolean): string {
  try {
    return test() ? 'match' : 'no match';
  } catch (error) {
    return `throws ${(error as Error).message}`;
  }
}

describe('compiled search matcher', () => {
  beforeAll(() => {
    loadDefinitions();
  });

  it("agrees with Medplum's matchesSearchRequest on every resource, parameter type and operator", () => {
    const resources = [...population(), ...EDGE_CASES];
    let matched = 0;
    for (const [resourceType, queries] of Object.entries(QUERIES)) {
      for (const query of queries) {
        const request = parseSearchRequest(`${resourceType}?${query}`);
        const compiled = compileMatcher(request);
        for (const resource of resources) {
          const expected = outcome(() => matchesSearchRequest(resource, request));
          expect(
            outcome(() => compiled(resource)),
            `${resourceType}?${query} on ${resource.resourceType}/${resource.id}`,
          ).toBe(expected);
          matched += expected === 'match' ? 1 : 0;
        }
      }
    }
    expect(matched).toBeGreaterThan(500);
  });
});
