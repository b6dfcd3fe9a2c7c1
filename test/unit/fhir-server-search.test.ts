import { matchesSearchRequest, parseSearchRequest, type WithId } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPopulation } from '../../tools/demo/population.ts';
import { loadDefinitions } from '../../tools/fhir-server/definitions.ts';
import { searchStore } from '../../tools/fhir-server/search.ts';
import { ResourceStore } from '../../tools/fhir-server/store.ts';

const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const REVINCLUDES = [
  'Condition:subject',
  'Procedure:subject',
  'MedicationRequest:subject',
  'MedicationStatement:subject',
  'Observation:subject',
  'Encounter:subject',
];

/** The synthetic population with server-like ids, its urn:uuid references made relative. */
function population(): WithId<Resource>[] {
  const resources: WithId<Resource>[] = [];
  const { bundles } = buildPopulation({ patients: 80, seed: 11, asOf: new Date('2025-03-10T12:00:00Z') });
  for (const bundle of bundles) {
    for (const entry of bundle.entry ?? []) {
      const id = entry.fullUrl?.replace('urn:uuid:', '') ?? `r${resources.length}`;
      const json = JSON.stringify({ ...entry.resource, id }).replace(/"urn:uuid:([^"]+)"/g, '"Patient/$1"');
      resources.push(JSON.parse(json) as WithId<Resource>);
    }
  }
  return resources;
}

const idsOf = (resources: Resource[]) => resources.map((resource) => `${resource.resourceType}/${resource.id}`).sort();

function searchResult(store: ResourceStore, query: string): { matches: string[]; included: string[]; total?: number } {
  const bundle = searchStore(store, parseSearchRequest(query));
  const entries = bundle.entry ?? [];
  const inMode = (mode: string) => entries.filter((entry) => entry.search?.mode === mode).map((entry) => entry.resource as Resource);
  return { matches: idsOf(inMode('match')), included: idsOf(inMode('include')), total: bundle.total };
}

describe('store search (indexes, includes, compiled matcher)', () => {
  let resources: WithId<Resource>[];
  let store: ResourceStore;
  const patientIds = () => resources.filter((resource) => resource.resourceType === 'Patient').map((patient) => patient.id);

  beforeAll(() => {
    loadDefinitions();
    resources = population();
    store = new ResourceStore();
    for (const resource of resources) {
      store.put(resource);
    }
  });

  it("finds what a scan with Medplum's matcher finds, whether an index chooses the candidates or not", () => {
    // Two patients with Conditions, so the subject searches find some.
    const [first = '', second = ''] = resources
      .flatMap((resource) => (resource.resourceType === 'Condition' ? [resource.subject.reference?.replace('Patient/', '') ?? ''] : []))
      .filter((id, index, ids) => ids.indexOf(id) === index);
    const queries = [
      `Condition?code=${SNOMED}|44054006,http://hl7.org/fhir/sid/icd-10-cm|E11.9&clinical-status=active,recurrence,relapse`,
      `Condition?code=${SNOMED.toUpperCase()}|44054006`,
      'Condition?code=44054006',
      `Condition?subject=Patient/${first},Patient/${second}`,
      `Condition?subject=Patient/${first}&code=${SNOMED}|44054006`,
      `MedicationRequest?code=${RXNORM}|860975,${RXNORM}|314076&status=active&authoredon=ge2025-02-14`,
      `Procedure?code=${SNOMED}|18557009&status=completed&date=ge2025-03-07`,
      `Patient?identifier=urn:careprompt:synthetic-mrn|S11-3,urn:careprompt:synthetic-mrn|S11-4&active=true`,
      `Patient?_id=${first},${second},missing&gender=female`,
      `Patient?_id=${first},${second}&_lastUpdated=ge2025-03-10T00:00:00Z`,
    ];
    for (const query of queries) {
      const request = parseSearchRequest(query);
      const scanned = resources.filter((resource) => matchesSearchRequest(resource, request));
      const result = searchResult(store, `${query}&_count=1000`);

      expect(result.matches, query).toEqual(idsOf(scanned));
      expect(result.total, query).toBe(scanned.length);
    }
  });

  it('revincludes exactly the clinical resources whose subject is on the page', () => {
    const page = patientIds().slice(0, 50);
    const query = `Patient?_count=500&_id=${page.join(',')}&${REVINCLUDES.map((target) => `_revinclude=${target}`).join('&')}`;
    const subjects = new Set(page.map((id) => `Patient/${id}`));
    const expected = resources.filter(
      (resource) => 'subject' in resource && subjects.has((resource.subject as { reference?: string }).reference ?? ''),
    );

    const result = searchResult(store, query);

    expect(result.matches).toEqual(idsOf(page.map((id) => ({ resourceType: 'Patient', id }) as Resource)));
    expect(result.included).toEqual(idsOf(expected));
    expect(expected.length).toBeGreaterThan(50);
  });

  it('keeps its indexes current through updates and deletes', () => {
    const local = new ResourceStore();
    const subject = { reference: 'Patient/p1' };
    const condition = (id: string, code: string) =>
      ({ resourceType: 'Condition', id, subject, code: { coding: [{ system: SNOMED, code }] } }) as WithId<Resource>;
    const codes = (query: string) => searchResult(local, query).matches;
    local.put(condition('c1', '1'));
    local.put(condition('c2', '1'));
    expect(codes(`Condition?code=${SNOMED}|1`)).toEqual(['Condition/c1', 'Condition/c2']);

    local.put(condition('c1', '2'));
    local.remove('Condition', 'c2');

    expect(codes(`Condition?code=${SNOMED}|1`)).toEqual([]);
    expect(codes(`Condition?code=${SNOMED}|2`)).toEqual(['Condition/c1']);
    expect(searchResult(local, 'Patient?_id=p1&_revinclude=Condition:subject').included).toEqual([]);
    local.put({ resourceType: 'Patient', id: 'p1' } as WithId<Resource>);
    expect(searchResult(local, 'Patient?_id=p1&_revinclude=Condition:subject').included).toEqual(['Condition/c1']);
  });
});
