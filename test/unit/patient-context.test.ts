import { HttpResponse, http } from 'msw';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Coding } from '../../src/fhir/datatypes.ts';
import {
  createFhirGateway,
  findResource,
  loadPatientContext,
  loadPatientContexts,
  type PatientContext,
  patientIdOf,
  referenceOf,
} from '../../src/fhir/index.ts';
import type { Condition, MedicationRequest, MedicationStatement, Procedure } from '../../src/triggers/index.ts';
import { LISTED_RESOURCE_TYPES } from '../../src/triggers/index.ts';
import { FHIR_BASE, useMswServer } from '../support/msw.ts';

const BASE = FHIR_BASE;
const server = useMswServer();

const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const subject = { reference: 'Patient/p1' };

const patient = {
  resourceType: 'Patient',
  id: 'p1',
  name: [{ given: ['Ana'], family: 'Test' }],
  birthDate: '1960-04-02',
};
const diabetes: Condition = {
  resourceType: 'Condition',
  id: 'cond-dm',
  subject,
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  code: { coding: [{ system: SNOMED, code: '44054006' }] },
  onsetDateTime: '2019-06-01',
};
const hypertension: Condition = {
  resourceType: 'Condition',
  id: 'cond-htn',
  subject: { reference: `${BASE}/Patient/p1` },
  code: { coding: [{ system: SNOMED, code: '59621000' }] },
  recordedDate: '2023-01-15T09:00:00Z',
};
const suture: Procedure = {
  resourceType: 'Procedure',
  id: 'proc-1',
  status: 'completed',
  subject,
  code: { coding: [{ system: SNOMED, code: '18557009' }] },
  performedPeriod: { start: '2024-05-02T10:00:00Z' },
};
const metformin: MedicationRequest = {
  resourceType: 'MedicationRequest',
  id: 'mr-1',
  status: 'active',
  intent: 'order',
  subject,
  medicationCodeableConcept: { coding: [{ system: RXNORM, code: '860975' }] },
  authoredOn: '2024-02-10',
};
const lisinopril: MedicationStatement = {
  resourceType: 'MedicationStatement',
  id: 'ms-1',
  status: 'active',
  subject,
  medicationCodeableConcept: { coding: [{ system: RXNORM, code: '314076' }] },
  effectivePeriod: { start: '2024-08-20' },
};
const LOINC = 'http://loinc.org';
const hba1c = {
  resourceType: 'Observation',
  id: 'obs-a1c',
  status: 'final',
  subject,
  code: { coding: [{ system: LOINC, code: '4548-4' }] },
  effectiveDateTime: '2024-09-01',
  valueQuantity: { value: 9.4, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
};
const heartRate = { ...hba1c, id: 'obs-hr', code: { coding: [{ system: LOINC, code: '8867-4' }] }, valueQuantity: undefined };
const undated: MedicationStatement = { resourceType: 'MedicationStatement', id: 'ms-2', status: 'unknown', subject };
const optOut = {
  resourceType: 'Consent',
  id: 'consent-1',
  status: 'active',
  patient: subject,
  provision: { type: 'deny', code: [{ coding: [{ system: 'urn:careprompt:consent', code: 'outreach-messaging' }] }] },
};

function entries(mode: 'match' | 'include', resources: Array<Record<string, unknown>>) {
  return resources.map((resource) => ({ resource, search: { mode } }));
}

/** Serves the revinclude search in pages of the given entries, recording each query string. */
function serveSearch(pages: Array<Array<Record<string, unknown>>>) {
  const queries: URLSearchParams[] = [];
  server.use(
    http.get(`${BASE}/Patient`, ({ request }) => {
      const query = new URL(request.url).searchParams;
      queries.push(query);
      const index = Number(query.get('page') ?? '0');
      const link = index + 1 < pages.length ? [{ relation: 'next', url: `${BASE}/Patient?_id=p1&page=${index + 1}` }] : [];
      return HttpResponse.json({ resourceType: 'Bundle', type: 'searchset', link, entry: pages[index] });
    }),
  );
  return queries;
}

/** The ids of the context's records of these types, in the context's order. */
function ids(context: PatientContext | undefined, ...types: string[]) {
  return context?.records.filter((record) => types.includes(record.resourceType)).map((record) => record.id);
}

function logLines() {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}

describe('loadPatientContext', () => {
  it('builds the context from one revinclude search across pages, newest first', async () => {
    const queries = serveSearch([
      [...entries('match', [patient]), ...entries('include', [diabetes, undated, metformin])],
      entries('include', [suture, hypertension, lisinopril, metformin]),
    ]);
    const gateway = createFhirGateway({ baseUrl: BASE });

    const context = await loadPatientContext(gateway, 'p1', { types: LISTED_RESOURCE_TYPES });

    expect(queries[0]?.get('_id')).toBe('p1');
    expect(queries[0]?.getAll('_revinclude')).toEqual([
      'Condition:subject',
      'Procedure:subject',
      'MedicationRequest:subject',
      'MedicationStatement:subject',
      'Consent:patient',
    ]);
    expect(context?.patient).toMatchObject({ id: 'p1', birthDate: '1960-04-02' });
    expect(context?.records.map((r) => r.id)).toEqual(['ms-1', 'proc-1', 'mr-1', 'cond-htn', 'cond-dm', 'ms-2']);
    expect(ids(context, 'Condition')).toEqual(['cond-htn', 'cond-dm']);
    expect(ids(context, 'Procedure')).toEqual(['proc-1']);
    expect(ids(context, 'MedicationRequest', 'MedicationStatement')).toEqual(['ms-1', 'mr-1', 'ms-2']);
    expect(gateway.counts().searchPages).toBe(2);
  });

  it('drops a malformed Condition with a warning naming its id and field, not its content', async () => {
    const malformed = { resourceType: 'Condition', id: 'cond-bad', code: { text: 'Secret diagnosis' } };
    serveSearch([[...entries('match', [patient]), ...entries('include', [diabetes, malformed])]]);
    const { logger, lines } = logLines();

    const context = await loadPatientContext(createFhirGateway({ baseUrl: BASE }), 'p1', { logger, types: LISTED_RESOURCE_TYPES });

    expect(ids(context, 'Condition')).toEqual(['cond-dm']);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      resourceType: 'Condition',
      resourceId: 'cond-bad',
      field: 'subject',
    });
    expect(lines[0]).not.toContain('Secret');
  });

  it("drops a resource whose subject is another patient's", async () => {
    serveSearch([
      [...entries('match', [patient]), ...entries('include', [diabetes, { ...metformin, subject: { reference: 'Patient/p2' } }])],
    ]);

    const context = await loadPatientContext(createFhirGateway({ baseUrl: BASE }), 'p1', { types: LISTED_RESOURCE_TYPES });

    expect(ids(context, 'MedicationRequest', 'MedicationStatement')).toEqual([]);
  });

  it('returns undefined when the server has no such Patient', async () => {
    serveSearch([[]]);

    await expect(loadPatientContext(createFhirGateway({ baseUrl: BASE }), 'p1', { types: LISTED_RESOURCE_TYPES })).resolves.toBeUndefined();
  });

  it('returns undefined for a malformed Patient', async () => {
    serveSearch([[...entries('match', [{ ...patient, birthDate: 19600402 }]), ...entries('include', [diabetes])]]);

    await expect(loadPatientContext(createFhirGateway({ baseUrl: BASE }), 'p1', { types: LISTED_RESOURCE_TYPES })).resolves.toBeUndefined();
  });
});

describe('loadPatientContexts', () => {
  const other = { ...patient, id: 'p2', name: [{ given: ['Ben'] }] };
  const othersCondition = { ...diabetes, id: 'cond-p2', subject: { reference: 'Patient/p2' } };

  it('loads several patients with one search and gives each only its own resources', async () => {
    const queries = serveSearch([
      [...entries('match', [patient, other]), ...entries('include', [diabetes, othersCondition, suture, metformin])],
    ]);
    const gateway = createFhirGateway({ baseUrl: BASE });

    const contexts = await loadPatientContexts(gateway, ['p1', 'p2', 'p1', 'p3'], { types: LISTED_RESOURCE_TYPES });

    expect(queries[0]?.get('_id')).toBe('p1,p2,p3');
    expect(gateway.counts().searchPages).toBe(1);
    expect([...contexts.keys()].sort()).toEqual(['p1', 'p2']);
    expect(ids(contexts.get('p1'), 'Condition')).toEqual(['cond-dm']);
    expect(ids(contexts.get('p1'), 'Procedure')).toEqual(['proc-1']);
    expect(ids(contexts.get('p1'), 'MedicationRequest', 'MedicationStatement')).toEqual(['mr-1']);
    expect(contexts.get('p2')?.patient.name?.[0]?.given).toEqual(['Ben']);
    expect(ids(contexts.get('p2'), 'Condition')).toEqual(['cond-p2']);
    expect(ids(contexts.get('p2'), 'Procedure')).toEqual([]);
  });

  it('drops a resource whose subject is a patient the search did not ask for', async () => {
    serveSearch([[...entries('match', [patient]), ...entries('include', [diabetes, othersCondition])]]);

    const contexts = await loadPatientContexts(createFhirGateway({ baseUrl: BASE }), ['p1'], { types: LISTED_RESOURCE_TYPES });

    expect(ids(contexts.get('p1'), 'Condition')).toEqual(['cond-dm']);
  });

  it("loads each patient's Consents with the record, dropping a malformed one and another patient's, naming ids only", async () => {
    const malformed = { ...optOut, id: 'consent-bad', provision: { type: 'maybe', code: [{ text: 'Secret wish' }] } };
    const othersConsent = { ...optOut, id: 'consent-p2', patient: { reference: 'Patient/p2' } };
    const queries = serveSearch([[...entries('match', [patient]), ...entries('include', [diabetes, optOut, malformed, othersConsent])]]);
    const { logger, lines } = logLines();

    const contexts = await loadPatientContexts(createFhirGateway({ baseUrl: BASE }), ['p1'], { logger, types: LISTED_RESOURCE_TYPES });

    expect(queries[0]?.getAll('_revinclude')).toContain('Consent:patient');
    expect(contexts.get('p1')?.consents.map((consent) => consent.id)).toEqual(['consent-1']);
    expect(ids(contexts.get('p1'), 'Condition')).toEqual(['cond-dm']);
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { resourceType: 'Consent', resourceId: 'consent-bad', field: 'provision.type' },
      { resourceType: 'Consent', resourceId: 'consent-p2' },
    ]);
    expect(lines.join('')).not.toContain('Secret');
  });

  it('makes no request for no patients', async () => {
    const gateway = createFhirGateway({ baseUrl: BASE });

    await expect(loadPatientContexts(gateway, [], { types: LISTED_RESOURCE_TYPES })).resolves.toEqual(new Map());
    expect(gateway.counts().searchPages).toBe(0);
  });
});

describe('loadPatientContexts when the include search is refused or cut short', () => {
  const other = { ...patient, id: 'p2', name: [{ given: ['Ben'] }] };
  const othersSuture = { ...suture, id: 'proc-p2', subject: { reference: 'Patient/p2' } };
  const capped = {
    resourceType: 'OperationOutcome',
    issue: [
      { severity: 'error', code: 'invalid', diagnostics: 'Search with _(rev)include reached query scope limit: depth=1, results=1043' },
    ],
  };

  /**
   * The include search answers `includeAnswer`; searches without includes answer from the records, the
   * Procedures one per page (so paging must be followed). Returns each request's path and query.
   */
  function serveServer(includeAnswer: (ids: string[]) => Response) {
    const requests: string[] = [];
    const records: Record<string, Array<Record<string, unknown>>> = {
      Condition: [diabetes],
      Procedure: [suture, othersSuture],
      MedicationRequest: [metformin],
      MedicationStatement: [],
      Observation: [hba1c, heartRate],
      Consent: [optOut],
    };
    server.use(
      http.get(`${BASE}/Patient`, ({ request }) => {
        const url = new URL(request.url);
        requests.push(`Patient?${decodeURIComponent(url.searchParams.toString())}`);
        const wanted = (url.searchParams.get('_id') ?? '').split(',');
        if (url.searchParams.has('_revinclude')) return includeAnswer(wanted);
        const found = [patient, other].filter((candidate) => wanted.includes(candidate.id));
        return HttpResponse.json({ resourceType: 'Bundle', type: 'searchset', total: found.length, entry: entries('match', found) });
      }),
      http.get(`${BASE}/:type`, ({ request, params }) => {
        const url = new URL(request.url);
        requests.push(`${params.type}?${decodeURIComponent(url.searchParams.toString())}`);
        const subjects = (url.searchParams.get('subject') ?? url.searchParams.get('patient') ?? '').split(',');
        const patientOf = (r: Record<string, unknown>) => ((r.subject ?? r.patient) as { reference: string }).reference;
        const codes = url.searchParams.get('code')?.split(',');
        const coded = (r: Record<string, unknown>) =>
          !codes || (r.code as { coding: Coding[] }).coding.some((c) => codes.includes(`${c.system}|${c.code}`));
        const all = (records[String(params.type)] ?? []).filter((r) => subjects.includes(patientOf(r)) && coded(r));
        const offset = Number(url.searchParams.get('_offset') ?? '0');
        const next =
          offset + 1 < all.length
            ? [{ relation: 'next', url: `${BASE}/${params.type}?subject=${subjects.join(',')}&_offset=${offset + 1}` }]
            : [];
        return HttpResponse.json({
          resourceType: 'Bundle',
          type: 'searchset',
          total: all.length,
          link: next,
          entry: entries('match', all.slice(offset, offset + 1)),
        });
      }),
    );
    return requests;
  }

  const expectWholeRecords = (contexts: Awaited<ReturnType<typeof loadPatientContexts>>) => {
    expect(ids(contexts.get('p1'), 'Condition')).toEqual(['cond-dm']);
    expect(ids(contexts.get('p1'), 'Procedure')).toEqual(['proc-1']);
    expect(ids(contexts.get('p1'), 'MedicationRequest', 'MedicationStatement')).toEqual(['mr-1']);
    expect(ids(contexts.get('p2'), 'Procedure')).toEqual(['proc-p2']);
    expect(contexts.get('p1')?.consents.map((consent) => consent.id)).toEqual(['consent-1']);
  };

  it('loads the records per type, every page followed, when the server refuses the includes (400), and logs counts only', async () => {
    const requests = serveServer(() => HttpResponse.json(capped, { status: 400 }));
    const { logger, lines } = logLines();

    const contexts = await loadPatientContexts(createFhirGateway({ baseUrl: BASE }), ['p1', 'p2'], {
      logger,
      types: LISTED_RESOURCE_TYPES,
    });

    expectWholeRecords(contexts);
    expect(requests.slice(1)).toEqual([
      'Patient?_count=500&_id=p1,p2',
      'Condition?_count=500&subject=Patient/p1,Patient/p2',
      'Procedure?_count=500&subject=Patient/p1,Patient/p2',
      'Procedure?subject=Patient/p1,Patient/p2&_offset=1',
      'MedicationRequest?_count=500&subject=Patient/p1,Patient/p2',
      'MedicationStatement?_count=500&subject=Patient/p1,Patient/p2',
      'Consent?_count=500&patient=Patient/p1,Patient/p2',
    ]);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      patients: 2,
      shortfall: 'refused',
      found: 2,
      records: { Condition: 1, Procedure: 2, MedicationRequest: 1, MedicationStatement: 0, Consent: 1 },
    });
    expect(lines[0]).not.toMatch(/Ana|Ben/);
  });

  it('loads the records per type when the answer carries an OperationOutcome entry (results cut short)', async () => {
    serveServer(() =>
      HttpResponse.json({
        resourceType: 'Bundle',
        type: 'searchset',
        total: 2,
        entry: [
          ...entries('match', [patient, other]),
          ...entries('include', [diabetes]),
          { resource: { ...capped, issue: [{ severity: 'warning', code: 'too-costly' }] }, search: { mode: 'outcome' } },
        ],
      }),
    );

    expectWholeRecords(await loadPatientContexts(createFhirGateway({ baseUrl: BASE }), ['p1', 'p2'], { types: LISTED_RESOURCE_TYPES }));
  });

  it('loads the records per type when paging ends before Bundle.total says it should', async () => {
    serveServer(() =>
      HttpResponse.json({
        resourceType: 'Bundle',
        type: 'searchset',
        total: 2,
        entry: [...entries('match', [patient]), ...entries('include', [diabetes])],
      }),
    );

    expectWholeRecords(await loadPatientContexts(createFhirGateway({ baseUrl: BASE }), ['p1', 'p2'], { types: LISTED_RESOURCE_TYPES }));
  });

  it('notices paging that ends early in one part of a batch asked in parts (too long for one URL)', async () => {
    const requests = serveServer((ids) =>
      HttpResponse.json({
        resourceType: 'Bundle',
        type: 'searchset',
        total: ids.length,
        // Ben's part stops before its only Patient.
        entry: ids.includes('p2') ? [] : [...entries('match', [patient]), ...entries('include', [diabetes, suture, metformin, optOut])],
      }),
    );
    const gateway = createFhirGateway({ baseUrl: BASE, maxQueryLength: 196 });

    expectWholeRecords(await loadPatientContexts(gateway, ['p1', 'p2'], { types: LISTED_RESOURCE_TYPES }));
    expect(requests.filter((request) => request.includes('_revinclude')).map((request) => request.match(/_id=[^&]*/)?.[0])).toEqual([
      '_id=p1',
      '_id=p2',
    ]);
  });

  it('trusts a complete answer, and one whose server gives no total', async () => {
    const whole = [...entries('match', [patient, other]), ...entries('include', [diabetes, suture, othersSuture, metformin, optOut])];
    for (const total of [2, undefined]) {
      const requests = serveServer(() => HttpResponse.json({ resourceType: 'Bundle', type: 'searchset', total, entry: whole }));
      const gateway = createFhirGateway({ baseUrl: BASE });

      expectWholeRecords(await loadPatientContexts(gateway, ['p1', 'p2'], { types: LISTED_RESOURCE_TYPES }));
      expect(requests).toHaveLength(1);
    }
  });

  it('loads Observations in a search of their own, with the codes the campaigns read: not included, not whole', async () => {
    const requests = serveServer((ids) =>
      HttpResponse.json({
        resourceType: 'Bundle',
        type: 'searchset',
        total: ids.length,
        entry: [...entries('match', [patient, other]), ...entries('include', [suture, othersSuture, optOut])],
      }),
    );
    const codes = new Map([['Observation' as const, [`${LOINC}|4548-4`, `${LOINC}|17856-6`]]]);

    const contexts = await loadPatientContexts(createFhirGateway({ baseUrl: BASE }), ['p1', 'p2'], {
      types: ['Procedure', 'Observation'],
      codes,
    });

    expect(requests).toEqual([
      'Patient?_count=500&_id=p1,p2&_revinclude=Procedure:subject&_revinclude=Consent:patient',
      'Observation?_count=500&subject=Patient/p1,Patient/p2&code=http://loinc.org|4548-4,http://loinc.org|17856-6',
    ]);
    expect(ids(contexts.get('p1'), 'Observation', 'Procedure')).toEqual(['obs-a1c', 'proc-1']);
    expect(ids(contexts.get('p2'), 'Observation', 'Procedure')).toEqual(['proc-p2']);
  });

  it('loads Observations by code after the per-type fallback too, once', async () => {
    const requests = serveServer(() => HttpResponse.json(capped, { status: 400 }));

    const contexts = await loadPatientContexts(createFhirGateway({ baseUrl: BASE }), ['p1', 'p2'], {
      types: ['Procedure', 'Observation'],
      codes: new Map([['Observation', [`${LOINC}|4548-4`]]]),
    });

    expect(requests.slice(1)).toEqual([
      'Patient?_count=500&_id=p1,p2',
      'Procedure?_count=500&subject=Patient/p1,Patient/p2',
      'Procedure?subject=Patient/p1,Patient/p2&_offset=1',
      'Consent?_count=500&patient=Patient/p1,Patient/p2',
      'Observation?_count=500&subject=Patient/p1,Patient/p2&code=http://loinc.org|4548-4',
    ]);
    expect(ids(contexts.get('p1'), 'Observation')).toEqual(['obs-a1c']);
  });

  it('loads a type whole when no codes are given for it (a reader named none)', async () => {
    const requests = serveServer(() => HttpResponse.json(capped, { status: 400 }));

    const contexts = await loadPatientContexts(createFhirGateway({ baseUrl: BASE }), ['p1'], { types: ['Observation'] });

    expect(requests[0]).toContain('_revinclude=Observation:subject');
    expect(ids(contexts.get('p1'), 'Observation')).toEqual(['obs-a1c', 'obs-hr']);
  });

  it('still fails on a refusal that is not about the search (403), as before', async () => {
    serveServer(() => HttpResponse.json(capped, { status: 403 }));

    await expect(loadPatientContexts(createFhirGateway({ baseUrl: BASE }), ['p1'], { types: LISTED_RESOURCE_TYPES })).rejects.toMatchObject(
      { status: 403 },
    );
  });
});

describe('loadPatientContexts with some record types only (send time reads its criteria types, or none)', () => {
  it("reads the batch's Patients with their Consents and those types only, in one search", async () => {
    const queries = serveSearch([[...entries('match', [patient]), ...entries('include', [optOut, suture])]]);
    const gateway = createFhirGateway({ baseUrl: BASE });

    const found = await loadPatientContexts(gateway, ['p1', 'gone'], { types: ['Procedure'] });

    expect(queries[0]?.get('_id')).toBe('p1,gone');
    expect(queries[0]?.getAll('_revinclude')).toEqual(['Procedure:subject', 'Consent:patient']);
    expect(gateway.counts().searchPages).toBe(1);
    expect([...found.keys()]).toEqual(['p1']);
    expect(found.get('p1')?.consents.map((consent) => consent.id)).toEqual(['consent-1']);
    expect(found.get('p1')?.records.map((record) => record.id)).toEqual(['proc-1']);
  });
});

describe('findResource', () => {
  it('finds the trigger resource by reference', async () => {
    serveSearch([[...entries('match', [patient]), ...entries('include', [diabetes, suture, metformin])]]);
    const context = await loadPatientContext(createFhirGateway({ baseUrl: BASE }), 'p1', { types: LISTED_RESOURCE_TYPES });
    if (!context) throw new Error('expected a context');

    expect(findResource(context, 'Procedure/proc-1')?.id).toBe('proc-1');
    expect(findResource(context, 'MedicationRequest/mr-1')?.id).toBe('mr-1');
    expect(findResource(context, 'Condition/proc-1')).toBeUndefined();
  });
});

describe('references', () => {
  it('referenceOf names a resource Type/id', () => {
    expect(referenceOf(diabetes)).toBe('Condition/cond-dm');
  });

  it('patientIdOf reads relative and versioned Patient references only', () => {
    const of = (reference?: string) => patientIdOf({ subject: { reference } });
    expect(of('Patient/123')).toBe('123');
    // Another server's patient is never taken for a local one with the same id.
    expect(of('https://other-ehr.example/fhir/Patient/123')).toBeUndefined();
    expect(of('Patient/a-1.b/_history/2')).toBe('a-1.b');
    expect(of('Group/123')).toBeUndefined();
    expect(of('urn:uuid:5b2a2c4e-0f7e-4b8e-9a55-6c1d1f2e3a4b')).toBeUndefined();
    expect(of('#p1')).toBeUndefined();
    expect(of('Patient/')).toBeUndefined();
    expect(of('Patient?identifier=x|1')).toBeUndefined();
    expect(of(undefined)).toBeUndefined();
    expect(patientIdOf({})).toBeUndefined();
  });
});
