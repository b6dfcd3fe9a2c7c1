import { Client } from 'fhir-kit-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPopulation, seedPopulation } from '../../tools/demo/population.ts';
import { type FhirTestServer, startFhirServer } from '../../tools/fhir-server/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: FHIR JSON, read field by field by the assertions
type Json = Record<string, any>;

const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const ACTIVE = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] };

let server: FhirTestServer;
let client: Client;

beforeAll(async () => {
  server = await startFhirServer();
  client = new Client({ baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server.close();
});

async function create(resource: Json, headers: Record<string, string> = {}): Promise<{ status?: number; resource: Json }> {
  const created = await client.create({
    resourceType: resource.resourceType,
    body: resource as Json & { resourceType: string },
    options: { headers },
  });
  return { status: Client.httpFor(created).response?.status, resource: created };
}

async function newPatient(given = 'Rosa'): Promise<string> {
  return (await create({ resourceType: 'Patient', name: [{ given: [given], family: 'Diaz' }] })).resource.id;
}

type SearchBundle = Json & { resourceType: string; link: Array<{ relation: string; url: string }> };

/** Every page of a search, by following `next` links with fhir-kit-client. */
async function allPages(resourceType: string, searchParams: Json, fhir: Client = client): Promise<Json[]> {
  const pages: Json[] = [];
  let page: Json | undefined = await fhir.search({ resourceType, searchParams });
  while (page) {
    pages.push(page);
    page = await fhir.nextPage({ bundle: page as SearchBundle });
  }
  return pages;
}

const entriesIn = (pages: Json[], mode: 'match' | 'include'): Json[] =>
  pages.flatMap((page) => (page.entry ?? []).filter((entry: Json) => entry.search?.mode === mode).map((entry: Json) => entry.resource));

async function statusOfFailure(request: Promise<unknown>): Promise<{ status: number; body: Json }> {
  try {
    await request;
  } catch (error) {
    const { response } = error as { response: { status: number; data: Json } };
    return { status: response.status, body: response.data };
  }
  throw new Error('the request succeeded');
}

describe('in-memory FHIR server over HTTP', () => {
  it('pages through a search with next links, returning each match exactly once', async () => {
    const patient = await newPatient();
    const code = { coding: [{ system: SNOMED, code: '10509002', display: 'Acute bronchitis' }] };
    for (let i = 0; i < 23; i += 1) {
      await create({ resourceType: 'Condition', clinicalStatus: ACTIVE, code, subject: { reference: `Patient/${patient}` } });
    }

    for (const searchParams of [
      { code: `${SNOMED}|10509002`, _count: 5 },
      { subject: `Patient/${patient}`, 'clinical-status': 'active', _count: 5 },
    ]) {
      const pages = await allPages('Condition', searchParams);
      const ids = entriesIn(pages, 'match').map((condition) => condition.id);
      expect(pages).toHaveLength(5);
      expect(ids).toHaveLength(23);
      expect(new Set(ids).size).toBe(23);
      expect(pages[0]?.total).toBe(23);
      expect(pages[2]?.link.map((link: Json) => link.relation)).toEqual(['self', 'next', 'previous']);
    }
  });

  it('answers _revinclude with a patient and all their clinical resources, and nobody else’s', async () => {
    const patient = await newPatient();
    const other = await newPatient('Emma');
    const subject = { reference: `Patient/${patient}` };
    const mine = [
      { resourceType: 'Condition', clinicalStatus: ACTIVE, code: { coding: [{ system: SNOMED, code: '44054006' }] }, subject },
      { resourceType: 'Procedure', status: 'completed', code: { coding: [{ system: SNOMED, code: '18557009' }] }, subject },
      {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { coding: [{ system: RXNORM, code: '314076' }] },
        subject,
      },
      {
        resourceType: 'MedicationStatement',
        status: 'active',
        medicationCodeableConcept: { coding: [{ system: RXNORM, code: '860975' }] },
        subject,
      },
    ];
    const created = await Promise.all(mine.map(async (resource) => (await create(resource)).resource));
    await create({
      resourceType: 'Condition',
      clinicalStatus: ACTIVE,
      code: { coding: [{ system: SNOMED, code: '44054006' }] },
      subject: { reference: `Patient/${other}` },
    });

    const bundle = await client.search({
      resourceType: 'Patient',
      searchParams: {
        _id: patient,
        _revinclude: ['Condition:subject', 'Procedure:subject', 'MedicationRequest:subject', 'MedicationStatement:subject'],
      },
    });

    expect(entriesIn([bundle], 'match').map((resource) => resource.id)).toEqual([patient]);
    const included = entriesIn([bundle], 'include').map((resource) => `${resource.resourceType}/${resource.id}`);
    expect(included.sort()).toEqual(created.map((resource) => `${resource.resourceType}/${resource.id}`).sort());
  });

  it('answers _id with a comma list: each patient once, with their clinical resources', async () => {
    const patients = [await newPatient(), await newPatient('Emma'), await newPatient('Ines')];
    const conditions = await Promise.all(
      patients.map(
        async (patient) =>
          (
            await create({
              resourceType: 'Condition',
              clinicalStatus: ACTIVE,
              code: { coding: [{ system: SNOMED, code: '44054006' }] },
              subject: { reference: `Patient/${patient}` },
            })
          ).resource.id,
      ),
    );

    const bundle = await client.search({
      resourceType: 'Patient',
      searchParams: { _id: [patients[0], patients[2], 'missing'].join(','), _revinclude: 'Condition:subject' },
    });

    expect(
      entriesIn([bundle], 'match')
        .map((resource) => resource.id)
        .sort(),
    ).toEqual([patients[0], patients[2]].sort());
    expect(
      entriesIn([bundle], 'include')
        .map((resource) => resource.id)
        .sort(),
    ).toEqual([conditions[0], conditions[2]].sort());
  });

  it('answers _include=Condition:subject with each patient once', async () => {
    const patient = await newPatient();
    const code = { coding: [{ system: SNOMED, code: '195967001', display: 'Asthma' }] };
    for (let i = 0; i < 2; i += 1) {
      await create({ resourceType: 'Condition', clinicalStatus: ACTIVE, code, subject: { reference: `Patient/${patient}` } });
    }

    const bundle = await client.search({
      resourceType: 'Condition',
      searchParams: { code: `${SNOMED}|195967001`, _include: 'Condition:subject' },
    });

    expect(entriesIn([bundle], 'match')).toHaveLength(2);
    expect(entriesIn([bundle], 'include').map((resource) => `${resource.resourceType}/${resource.id}`)).toEqual([`Patient/${patient}`]);
  });

  it('creates once under If-None-Exist: 201, then 200 with the same resource', async () => {
    const communication = {
      resourceType: 'Communication',
      status: 'completed',
      identifier: [{ system: 'urn:careprompt:prompt', value: 'key-1' }],
    };
    const headers = { 'If-None-Exist': 'identifier=urn:careprompt:prompt|key-1' };

    const first = await create(communication, headers);
    const second = await create(communication, headers);

    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.resource.id).toBe(first.resource.id);
    const found = await client.search({ resourceType: 'Communication', searchParams: { identifier: 'urn:careprompt:prompt|key-1' } });
    expect(found.total).toBe(1);
  });

  it.each([
    ['an unknown parameter', { colour: 'red' }],
    ['a chain', { 'subject.name': 'Rosa' }],
    ['_has', { '_has:Procedure:subject:status': 'completed' }],
    ['the :text modifier', { 'code:text': 'diabetes' }],
    ['the :in modifier', { 'code:in': 'http://example.org/ValueSet/diabetes' }],
    ['the :below modifier', { 'code:below': `${SNOMED}|73211009` }],
    ['a bare id as a reference', { subject: '123' }],
  ])('refuses %s with 400 and an OperationOutcome', async (_label, searchParams) => {
    const failure = await statusOfFailure(client.search({ resourceType: 'Condition', searchParams }));

    expect(failure.status).toBe(400);
    expect(failure.body.resourceType).toBe('OperationOutcome');
  });

  it('refuses an invalid resource with 400', async () => {
    const failure = await statusOfFailure(client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', gender: 42 } }));

    expect(failure.status).toBe(400);
    expect(failure.body.issue[0].expression).toEqual(['Patient.gender']);
  });

  it('describes itself at /metadata', async () => {
    const statement = await client.capabilityStatement();

    expect(statement).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
  });
});

describe('synthetic population', () => {
  const asOf = new Date('2025-03-10T12:00:00Z');
  const iso = (daysBefore: number) => new Date(asOf.getTime() - daysBefore * 86_400_000).toISOString();
  const skippedIn = (counts: { deceased: number; inactive: number; missingFirstName: number }) =>
    counts.deceased + counts.inactive + counts.missingFirstName;

  it('is the same for the same seed', () => {
    const first = buildPopulation({ patients: 150, seed: 9, asOf });
    const second = buildPopulation({ patients: 150, seed: 9, asOf });

    expect(second.expectations).toEqual(first.expectations);
    expect(JSON.stringify([...second.bundles])).toBe(JSON.stringify([...first.bundles]));
    expect(buildPopulation({ patients: 150, seed: 10, asOf }).expectations).not.toEqual(first.expectations);
  });

  it('seeds data whose campaign searches agree with its expectations', async () => {
    const seeded = await startFhirServer();
    const seededClient = new Client({ baseUrl: seeded.baseUrl });
    const matchesOf = async (resourceType: string, searchParams: Json) =>
      entriesIn(await allPages(resourceType, searchParams, seededClient), 'match');
    try {
      const expected = await seedPopulation(seeded.baseUrl, { patients: 300, seed: 42, asOf });

      const dueProcedures = await matchesOf('Procedure', {
        code: `${SNOMED}|18557009`,
        status: 'completed',
        date: `ge${iso(3)}`,
        _count: 20,
      });
      const dueRequests = await matchesOf('MedicationRequest', {
        code: ['860975', '314076', '617312', '617310', '617311', '259255'].map((code) => `${RXNORM}|${code}`).join(','),
        status: 'active',
        authoredon: [`ge${iso(21)}`, `le${iso(14)}`],
        _count: 20,
      });
      const diabetes = await matchesOf('Condition', {
        code: `${SNOMED}|44054006,http://hl7.org/fhir/sid/icd-10-cm|E11.9`,
        'clinical-status': 'active,recurrence,relapse',
        _count: 50,
      });
      const diabetic = new Set(diabetes.map((condition) => condition.subject.reference));

      expect(dueProcedures).toHaveLength(expected.woundCare + skippedIn(expected.skipped.woundCare));
      expect(dueRequests).toHaveLength(expected.medicationCheckIn + skippedIn(expected.skipped.medicationCheckIn));
      expect(diabetic.size).toBe(expected.diabetes + skippedIn(expected.skipped.diabetes));
      expect(expected.woundCare).toBeGreaterThan(10);
      expect(expected.medicationCheckIn).toBeGreaterThan(10);
      expect(expected.diabetes).toBeGreaterThan(40);
      for (const campaign of Object.values(expected.skipped)) {
        expect(Math.min(campaign.deceased, campaign.inactive, campaign.missingFirstName)).toBeGreaterThan(0);
      }

      const patients = await matchesOf('Patient', { _count: 500 });
      expect(patients).toHaveLength(expected.patients);
      expect(patients.filter((patient) => patient.communication?.[0]?.language.coding[0].code === 'es').length).toBeGreaterThan(30);
      expect(
        patients.filter((patient) => patient.extension?.[0]?.url === 'http://hl7.org/fhir/StructureDefinition/timezone').length,
      ).toBeGreaterThan(200);
      // The client's meta.lastUpdated (a little before asOf, in 2025) is kept, not replaced by the time of the POST.
      const recent = await seededClient.search({
        resourceType: 'Patient',
        searchParams: { _lastUpdated: `ge${iso(1)}`, _summary: 'count' },
      });
      const stale = await seededClient.search({
        resourceType: 'Patient',
        searchParams: { _lastUpdated: `gt${asOf.toISOString()}`, _summary: 'count' },
      });
      expect([recent.total, stale.total]).toEqual([expected.patients, 0]);
    } finally {
      await seeded.close();
    }
  });
});
