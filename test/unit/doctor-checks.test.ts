import { describe, expect, it } from 'vitest';
import { type Check, diagnose, type Findings, tally } from '../../src/doctor/index.ts';
import { campaignFixture } from '../support/campaigns.ts';

const BASE = 'https://ehr.example/fhir/r4';

const woundCare = campaignFixture();
const diabetes = campaignFixture({
  id: 'diabetes',
  template: 'diabetes',
  trigger: { resource: 'Condition', codes: ['http://snomed.info/sct|44054006'], status: ['active'] },
});
const medication = campaignFixture({
  id: 'new-medication',
  template: 'medication',
  trigger: {
    resource: 'MedicationRequest',
    codes: ['http://www.nlm.nih.gov/research/umls/rxnorm|860975'],
    status: ['active'],
    delay: 'P14D',
  },
});

type ResourceEntry = Record<string, unknown> & { type: string };

/** A resource entry declaring search-type and read, with the given search parameters. */
function resource(type: string, params: string[], extra: Record<string, unknown> = {}): ResourceEntry {
  return {
    type,
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchParam: params.map((name) => ({ name, type: 'token' })),
    ...extra,
  };
}

/** Everything careprompt asks for, as a server that supports it all would declare it. */
function fullResources(): ResourceEntry[] {
  return [
    resource('Patient', ['_id', '_lastUpdated'], {
      searchRevInclude: [
        'Condition:subject',
        'Procedure:subject',
        'MedicationRequest:subject',
        'MedicationStatement:subject',
        'Consent:patient',
      ],
    }),
    resource('Condition', ['_id', '_lastUpdated', 'code', 'clinical-status', 'subject']),
    resource('Procedure', ['_id', '_lastUpdated', 'code', 'status', 'date', 'subject']),
    resource('MedicationRequest', ['_id', '_lastUpdated', 'code', 'status', 'authoredon', 'subject']),
    resource('MedicationStatement', ['_id', '_lastUpdated', 'code', 'status', 'effective', 'subject']),
    resource('Consent', ['_id', 'patient']),
    {
      ...resource('Communication', ['_id', 'identifier']),
      interaction: [{ code: 'create' }, { code: 'search-type' }],
      conditionalCreate: true,
    },
  ];
}

function statement(edit: (resources: ResourceEntry[]) => ResourceEntry[] = (x) => x, fields: Record<string, unknown> = {}) {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    kind: 'instance',
    fhirVersion: '4.0.1',
    software: { name: 'Example EHR', version: '2.3' },
    rest: [{ mode: 'server', resource: edit(fullResources()) }],
    ...fields,
  };
}

/** Edits one resource entry of the full statement. */
const editing =
  (type: string, edit: (entry: ResourceEntry) => ResourceEntry) =>
  (resources: ResourceEntry[]): ResourceEntry[] =>
    resources.map((entry) => (entry.type === type ? edit(entry) : entry));

const withoutParam = (type: string, name: string) =>
  editing(type, (entry) => ({ ...entry, searchParam: (entry.searchParam as Array<{ name: string }>).filter((p) => p.name !== name) }));

function findings(overrides: Partial<Findings> = {}): Findings {
  return {
    baseUrl: BASE,
    metadata: { ok: true, value: statement() },
    search: { ok: true, value: undefined },
    campaigns: { ok: true, value: [woundCare, diabetes, medication] },
    templateProblem: () => undefined,
    readingProblem: () => undefined,
    valueSets: new Map(),
    valueSetsDir: 'jobs/valuesets',
    ...overrides,
  };
}

const byId = (checks: Check[], id: string): Check => {
  const check = checks.find((candidate) => candidate.id === id);
  if (!check) throw new Error(`no check ${id} among ${checks.map((c) => c.id).join(', ')}`);
  return check;
};
const notPassing = (checks: Check[]) => checks.filter((check) => check.result !== 'pass').map((check) => [check.id, check.result]);

describe('doctor checks', () => {
  it('passes everything against a server declaring all careprompt asks for', () => {
    const checks = diagnose(findings());

    expect(notPassing(checks)).toEqual([]);
    expect(checks.map((check) => check.id)).toEqual([
      'connect',
      'authenticate',
      'capability-statement',
      'campaigns',
      'fhir-version',
      'search:Patient',
      'search-param:Patient:_id',
      'revinclude:Patient:Condition:subject',
      'revinclude:Patient:Procedure:subject',
      'revinclude:Patient:MedicationRequest:subject',
      'revinclude:Patient:MedicationStatement:subject',
      'revinclude:Patient:Consent:patient',
      'search-param:Condition:subject',
      'search-param:Procedure:subject',
      'search-param:MedicationRequest:subject',
      'search-param:MedicationStatement:subject',
      'search-param:Consent:patient',
      'create:Communication',
      'conditional-create:Communication',
      'search:Communication',
      'search-param:Communication:identifier',
      'search:Procedure',
      'search-param:Procedure:code',
      'search-param:Procedure:status',
      'search-param:Procedure:date',
      'search-param:Procedure:_lastUpdated',
      'read:Procedure',
      'search:Condition',
      'search-param:Condition:code',
      'search-param:Condition:clinical-status',
      'search-param:Condition:_lastUpdated',
      'read:Condition',
      'search:MedicationRequest',
      'search-param:MedicationRequest:code',
      'search-param:MedicationRequest:status',
      'search-param:MedicationRequest:authoredon',
      'search-param:MedicationRequest:_lastUpdated',
      'read:MedicationRequest',
      'template:wound-care',
      'reading:wound-care',
      'template:diabetes',
      'reading:diabetes',
      'template:medication',
      'reading:medication',
    ]);
    expect(byId(checks, 'fhir-version').detail).toBe('4.0.1');
    expect(byId(checks, 'capability-statement').detail).toBe('Example EHR 2.3');
    expect(byId(checks, 'search-param:Procedure:date').campaigns).toEqual(['wound-care']);
  });

  it.each([
    {
      case: 'no conditional create on Communication',
      metadata: statement(editing('Communication', ({ conditionalCreate: _, ...entry }) => entry)),
      failed: ['conditional-create:Communication'],
      warned: [],
      says: /exactly-once delivery depends on it/,
    },
    {
      case: 'no create of Communication at all',
      metadata: statement(editing('Communication', (entry) => ({ ...entry, interaction: [{ code: 'search-type' }] }))),
      failed: ['create:Communication'],
      warned: [],
      skipped: ['conditional-create:Communication'],
      says: /creating a Communication/,
    },
    {
      case: 'no _revinclude of Procedure on Patient',
      metadata: statement(
        editing('Patient', (entry) => ({
          ...entry,
          searchRevInclude: ['Condition:subject', 'MedicationRequest:subject', 'MedicationStatement:subject', 'Consent:patient'],
        })),
      ),
      failed: [],
      warned: ['revinclude:Patient:Procedure:subject'],
      says: /falls back to per-type searches \(Procedure\?subject=…\)/,
    },
    {
      case: 'no _revinclude of Consent on Patient',
      metadata: statement(
        editing('Patient', (entry) => ({
          ...entry,
          searchRevInclude: ['Condition:subject', 'Procedure:subject', 'MedicationRequest:subject', 'MedicationStatement:subject'],
        })),
      ),
      failed: [],
      warned: ['revinclude:Patient:Consent:patient'],
      says: /\(Consent\?patient=…\).*opt-outs recorded as Consents/,
    },
    {
      case: 'no subject search parameter on Procedure',
      metadata: statement(withoutParam('Procedure', 'subject')),
      failed: [],
      warned: ['search-param:Procedure:subject'],
      says: /only when the server caps or refuses _revinclude.*Procedure\?subject=Patient\/a,Patient\/b/,
    },
    {
      case: 'a record type no campaign triggers on, not searchable at all',
      metadata: statement((resources) => resources.filter((entry) => entry.type !== 'MedicationStatement')),
      failed: [],
      warned: ['search-param:MedicationStatement:subject'],
      says: /does not list MedicationStatement.*MedicationStatement\?subject=/,
    },
    {
      case: 'no date search parameter on Procedure',
      metadata: statement(withoutParam('Procedure', 'date')),
      failed: ['search-param:Procedure:date'],
      warned: [],
      says: /does not list date among the search parameters of Procedure/,
    },
    {
      case: 'no _lastUpdated on Condition',
      metadata: statement(withoutParam('Condition', '_lastUpdated')),
      failed: ['search-param:Condition:_lastUpdated'],
      warned: [],
      says: /what changed since the last poll/,
    },
    {
      case: 'no search by identifier on Communication',
      metadata: statement(withoutParam('Communication', 'identifier')),
      failed: ['search-param:Communication:identifier'],
      warned: [],
      says: /Communication\?identifier=/,
    },
    {
      case: 'no read of MedicationRequest',
      metadata: statement(editing('MedicationRequest', (entry) => ({ ...entry, interaction: [{ code: 'search-type' }] }))),
      failed: [],
      warned: ['read:MedicationRequest'],
      says: /needed only when/,
    },
    {
      case: 'FHIR R5',
      metadata: statement(undefined, { fhirVersion: '5.0.0' }),
      failed: ['fhir-version'],
      warned: [],
      says: /speaks FHIR 5\.0\.0/,
    },
    {
      case: 'FHIR STU3',
      metadata: statement(undefined, { fhirVersion: '3.0.2' }),
      failed: ['fhir-version'],
      warned: [],
      says: /speaks FHIR 3\.0\.2/,
    },
    {
      case: 'FHIR R4B',
      metadata: statement(undefined, { fhirVersion: '4.3.0' }),
      failed: ['fhir-version'],
      warned: [],
      says: /R4 \(4\.0\.x\)/,
    },
    {
      case: 'no fhirVersion stated',
      metadata: statement(undefined, { fhirVersion: undefined }),
      failed: ['fhir-version'],
      warned: [],
      says: /does not state fhirVersion/,
    },
  ])('$case', ({ metadata, failed, warned, skipped = [], says }) => {
    const checks = diagnose(findings({ metadata: { ok: true, value: metadata } }));

    const outcome = (result: string) => checks.filter((check) => check.result === result).map((check) => check.id);
    expect(outcome('fail')).toEqual(failed);
    expect(outcome('warn')).toEqual(warned);
    expect(outcome('skip')).toEqual(skipped);
    const [named] = [...failed, ...warned].map((id) => byId(checks, id));
    expect(`${named?.detail} → ${named?.action}`).toMatch(says);
    expect(tally(checks).fail > 0).toBe(failed.length > 0);
  });

  it('judges a parameter declared for every resource type at the REST level as declared', () => {
    const metadata = statement(withoutParam('Procedure', '_lastUpdated'));
    metadata.rest[0] = {
      ...(metadata.rest[0] as { mode: string; resource: ResourceEntry[] }),
      searchParam: [{ name: '_lastUpdated' }],
    } as never;

    expect(byId(diagnose(findings({ metadata: { ok: true, value: metadata } })), 'search-param:Procedure:_lastUpdated').result).toBe(
      'pass',
    );
  });

  it.each([['Procedure:subject:Patient'], ['*']])('reads _revinclude %s as offering Procedure:subject', (offered) => {
    const metadata = statement(editing('Patient', (entry) => ({ ...entry, searchRevInclude: [offered] })));

    expect(byId(diagnose(findings({ metadata: { ok: true, value: metadata } })), 'revinclude:Patient:Procedure:subject').result).toBe(
      'pass',
    );
  });

  it('fails the search of a trigger type the server does not list and skips its parameters', () => {
    const metadata = statement((resources) => resources.filter((entry) => entry.type !== 'Procedure'));
    const checks = diagnose(findings({ metadata: { ok: true, value: metadata } }));

    expect(byId(checks, 'search:Procedure')).toMatchObject({
      result: 'fail',
      campaigns: ['wound-care'],
      detail: 'the server does not list Procedure',
    });
    expect(byId(checks, 'search-param:Procedure:date')).toMatchObject({ result: 'skip', detail: 'needs: search:Procedure' });
    expect(byId(checks, 'search:Condition').result).toBe('pass');
  });

  it.each([
    { case: 'a Bundle', body: { resourceType: 'Bundle', type: 'searchset' }, says: /resourceType/ },
    { case: 'rest that is not a list', body: { ...statement(), rest: 'server' }, says: /rest/ },
    { case: 'a resource entry without a type', body: statement((resources) => [...resources, { interaction: [] } as never]), says: /type/ },
    { case: 'no server REST interface', body: { ...statement(), rest: [{ mode: 'client' }] }, says: /mode "server"/ },
    { case: 'null', body: null, says: /not a CapabilityStatement/ },
    { case: 'text', body: 'It works!', says: /not a CapabilityStatement/ },
  ])('fails, without throwing, on a malformed CapabilityStatement: $case', ({ body, says }) => {
    const checks = diagnose(findings({ metadata: { ok: true, value: body } }));

    expect(byId(checks, 'capability-statement')).toMatchObject({ result: 'fail', detail: expect.stringMatching(says) });
    expect(byId(checks, 'connect').result).toBe('pass');
    expect(byId(checks, 'fhir-version')).toMatchObject({ result: 'skip', detail: 'needs: capability-statement' });
    expect(byId(checks, 'conditional-create:Communication').result).toBe('skip');
    expect(byId(checks, 'template:wound-care').result).toBe('pass');
  });

  it('fails connect and skips what needs the server when it cannot be reached, still judging the templates', () => {
    const checks = diagnose(
      findings({
        metadata: {
          ok: false,
          failure: { kind: 'unreachable', message: 'FHIR read CapabilityStatement failed: network error (attempt 4/4)' },
        },
        search: undefined,
        templateProblem: (id) => (id === 'diabetes' ? 'templates/diabetes.hbs uses partial x, but there is no partials/x.hbs' : undefined),
      }),
    );

    expect(byId(checks, 'connect')).toMatchObject({
      result: 'fail',
      detail: 'FHIR read CapabilityStatement failed: network error (attempt 4/4)',
      action: expect.stringContaining(`FHIR_BASE_URL (${BASE})`),
    });
    expect(notPassing(checks).filter(([, result]) => result !== 'skip')).toEqual([
      ['connect', 'fail'],
      ['template:diabetes', 'fail'],
    ]);
    expect(byId(checks, 'template:diabetes')).toMatchObject({ campaigns: ['diabetes'], detail: expect.stringContaining('partials/x.hbs') });
  });

  it('fails authenticate when /metadata or the search is refused for credentials, naming what to set', () => {
    const refused = (status: number) => ({
      ok: false as const,
      failure: { kind: 'refused' as const, status, message: `FHIR search Patient failed with HTTP ${status} (attempt 1/4)` },
    });

    const atMetadata = diagnose(findings({ metadata: refused(401), search: refused(401) }));
    expect(notPassing(atMetadata).filter(([, result]) => result !== 'skip')).toEqual([['authenticate', 'fail']]);
    expect(byId(atMetadata, 'authenticate').action).toContain('FHIR_AUTH');
    expect(byId(atMetadata, 'capability-statement')).toMatchObject({ result: 'skip', detail: 'needs: authenticate' });

    // A public /metadata, then a search without the right scopes.
    const atSearch = diagnose(findings({ search: refused(403) }));
    expect(notPassing(atSearch)).toEqual([['authenticate', 'fail']]);
    expect(byId(atSearch, 'authenticate').action).toContain('FHIR_SCOPES');
  });

  it('passes connect and fails authenticate when the server answered but refused the credentials', () => {
    const failure = { kind: 'credentials' as const, message: 'FhirAuthError http-401: the FHIR server refused the access token' };
    const checks = diagnose(findings({ metadata: { ok: false, failure }, search: { ok: false, failure } }));

    expect(byId(checks, 'connect')).toMatchObject({ result: 'pass', detail: BASE });
    expect(byId(checks, 'authenticate')).toMatchObject({
      result: 'fail',
      detail: failure.message,
      action: expect.stringContaining('refused the credentials'),
    });
    expect(byId(checks, 'capability-statement')).toMatchObject({ result: 'skip', detail: 'needs: authenticate' });
  });

  it("shows the token endpoint's refusal, naming the variables, and judges the public /metadata when only the token was refused", () => {
    const failure = {
      kind: 'credentials' as const,
      message:
        'the token endpoint https://ehr.example/oauth2/token refused the request (invalid_client): check FHIR_CLIENT_ID, FHIR_PRIVATE_KEY_FILE and FHIR_KEY_ID',
    };
    const checks = diagnose(findings({ search: { ok: false, failure } }));

    expect(notPassing(checks)).toEqual([['authenticate', 'fail']]);
    expect(byId(checks, 'connect')).toMatchObject({ result: 'pass', detail: BASE });
    expect(byId(checks, 'capability-statement').result).toBe('pass');
    expect(byId(checks, 'authenticate')).toMatchObject({
      detail: failure.message,
      action: expect.stringContaining('fix what the message names'),
    });
    expect(byId(checks, 'authenticate').action).not.toContain('set FHIR_AUTH');
  });

  it('fails authenticate with what was thrown when no request could be made', () => {
    const failure = { kind: 'unexpected' as const, message: 'TokenEndpointError: the token endpoint answered invalid_client' };
    const checks = diagnose(findings({ metadata: { ok: false, failure }, search: { ok: false, failure } }));

    expect(byId(checks, 'authenticate')).toMatchObject({ result: 'fail', detail: failure.message });
    expect(byId(checks, 'connect').result).toBe('skip');
  });

  it('fails the CapabilityStatement check when /metadata is refused for another reason', () => {
    const failure = { kind: 'refused' as const, status: 404, message: 'FHIR read CapabilityStatement failed with HTTP 404 (attempt 1/4)' };
    const checks = diagnose(findings({ metadata: { ok: false, failure } }));

    expect(byId(checks, 'capability-statement')).toMatchObject({ result: 'fail', action: expect.stringContaining('FHIR_BASE_URL') });
    expect(byId(checks, 'authenticate').result).toBe('pass');
  });

  it('warns when no campaign is active, still checking what every campaign needs', () => {
    const checks = diagnose(findings({ campaigns: { ok: true, value: [] } }));

    expect(notPassing(checks)).toEqual([['campaigns', 'warn']]);
    expect(checks.some((check) => check.id === 'conditional-create:Communication')).toBe(true);
    expect(checks.some((check) => check.id.startsWith('template:'))).toBe(false);
  });

  it('fails the campaigns check when they cannot be read', () => {
    const checks = diagnose(
      findings({ campaigns: { ok: false, problem: 'could not read the campaigns: PrismaClientKnownRequestError P1001' } }),
    );

    expect(byId(checks, 'campaigns')).toMatchObject({ result: 'fail', action: expect.stringContaining('DATABASE_URL') });
  });

  it('fails the reading check of a template above grade 8 for the campaigns that do not waive it', () => {
    const hard = 'templates/wound-care.hbs: reads at grade 9.4 (Flesch–Kincaid), above the limit of grade 8: rewrite it';
    const waived = campaignFixture({ id: 'wound-care-es', readingLevelWaiver: 'wording set by the surgical team' });
    const readingProblem = (id: string) => (id === 'wound-care' ? hard : undefined);
    const checks = diagnose(findings({ campaigns: { ok: true, value: [woundCare, waived, diabetes] }, readingProblem }));

    expect(byId(checks, 'template:wound-care').result).toBe('pass');
    expect(byId(checks, 'reading:wound-care')).toMatchObject({
      result: 'fail',
      campaigns: ['wound-care'],
      detail: hard,
      action: expect.stringContaining('readingLevelWaiver'),
    });
    expect(byId(checks, 'reading:diabetes')).toMatchObject({ result: 'pass', campaigns: ['diabetes'] });

    const allWaived = diagnose(findings({ campaigns: { ok: true, value: [waived] }, readingProblem }));
    expect(byId(allWaived, 'reading:wound-care')).toMatchObject({ result: 'pass', detail: expect.stringContaining('waived') });
  });

  it('names the campaigns that share a trigger type or a template', () => {
    const second = campaignFixture({ id: 'wound-care-es' });
    const checks = diagnose(findings({ campaigns: { ok: true, value: [woundCare, second] } }));

    expect(byId(checks, 'search:Procedure').campaigns).toEqual(['wound-care', 'wound-care-es']);
    expect(byId(checks, 'template:wound-care').campaigns).toEqual(['wound-care', 'wound-care-es']);
    expect(checks.filter((check) => check.id === 'search:Procedure')).toHaveLength(1);
  });

  it('checks what the criteria of a care gap search: each record type they read by code and _lastUpdated, each check once, Observations by subject', () => {
    const careGap = campaignFixture({
      id: 'hba1c-gap',
      template: 'diabetes',
      trigger: undefined,
      cohort: { resource: 'Condition', codes: ['http://snomed.info/sct|44054006'], status: ['active'] },
      repeat: 'P30D',
      when: { lacks: { resource: 'Observation', codes: ['http://loinc.org|4548-4'], within: 'P180D' } },
      exclude: [{ reason: 'hospice care', has: { resource: 'Procedure', codes: ['http://snomed.info/sct|385763009'] } }],
    });
    const observations = (params: string[]) => (resources: ResourceEntry[]) => [
      ...resources.map((entry) =>
        entry.type === 'Patient' ? { ...entry, searchRevInclude: [...(entry.searchRevInclude as string[]), 'Observation:subject'] } : entry,
      ),
      resource('Observation', params),
    ];
    const diagnosed = (params: string[]) =>
      diagnose(
        findings({
          metadata: { ok: true, value: statement(observations(params)) },
          campaigns: { ok: true, value: [woundCare, careGap] },
        }),
      );

    const full = diagnosed(['_lastUpdated', 'code', 'subject']);
    expect(byId(full, 'search-param:Observation:code')).toMatchObject({ result: 'pass', campaigns: ['hba1c-gap'] });
    expect(byId(full, 'search-param:Observation:_lastUpdated')).toMatchObject({ result: 'pass', campaigns: ['hba1c-gap'] });
    // Procedure: the wound-care trigger's own checks and the exclusion's, one check naming both campaigns.
    expect(byId(full, 'search-param:Procedure:_lastUpdated')).toMatchObject({ result: 'pass', campaigns: ['wound-care', 'hba1c-gap'] });
    expect(byId(full, 'search-param:Condition:subject').result).toBe('pass');
    for (const id of ['search-param:Procedure:_lastUpdated', 'search-param:Condition:subject'])
      expect(full.filter((check) => check.id === id)).toHaveLength(1);

    expect(byId(diagnosed(['code', 'subject']), 'search-param:Observation:_lastUpdated')).toMatchObject({
      result: 'fail',
      campaigns: ['hba1c-gap'],
    });
    // Observations are loaded by subject and code, never included: subject is needed, the _revinclude is not.
    expect(full.some((check) => check.id === 'revinclude:Patient:Observation:subject')).toBe(false);
    expect(byId(diagnosed(['_lastUpdated', 'code']), 'search-param:Observation:subject')).toMatchObject({ result: 'fail' });
  });

  it('checks the parameter an Encounter campaign sends its codes with: class for class codes, type for the others', () => {
    const encounterCampaign = (id: string, codes: string[]) =>
      campaignFixture({ id, trigger: { resource: 'Encounter', codes, status: ['finished'], within: 'P7D' } });
    const emergency = encounterCampaign('after-emergency', ['http://terminology.hl7.org/CodeSystem/v3-ActCode|EMER']);
    const admission = encounterCampaign('after-admission', ['http://snomed.info/sct|50849002']);
    const mixed = encounterCampaign('after-either', [
      'http://terminology.hl7.org/CodeSystem/v3-ActCode|EMER',
      'http://snomed.info/sct|50849002',
    ]);
    const withEncounter = (params: string[]) => (resources: ResourceEntry[]) => [
      ...resources.filter((entry) => entry.type !== 'Encounter'),
      resource('Encounter', params),
    ];
    const diagnosed = (params: string[], value: ReturnType<typeof campaignFixture>[]) =>
      diagnose(findings({ metadata: { ok: true, value: statement(withEncounter(params)) }, campaigns: { ok: true, value } }));

    const noClass = diagnosed(['_lastUpdated', 'type', 'status', 'date'], [emergency, admission, mixed]);
    expect(byId(noClass, 'search-param:Encounter:class')).toMatchObject({
      result: 'fail',
      campaigns: ['after-emergency'],
      action: expect.stringContaining('Encounter?class is supported'),
    });
    expect(byId(noClass, 'search-param:Encounter:type')).toMatchObject({ result: 'pass', campaigns: ['after-admission'] });

    const checks = diagnosed(['_lastUpdated', 'class', 'status', 'date'], [emergency]).filter((check) => check.campaigns !== undefined);
    expect(notPassing(checks)).toEqual([]);
    expect(checks.map((check) => check.id)).toContain('search-param:Encounter:class');
    expect(checks.map((check) => check.id)).not.toContain('search-param:Encounter:type');
  });

  describe('value sets', () => {
    const DIABETES = 'https://careprompt.example/fhir/ValueSet/diabetes';
    const HBA1C = 'https://careprompt.example/fhir/ValueSet/hba1c';
    const byValueSet = campaignFixture({
      id: 'diabetes-vs',
      template: 'diabetes',
      trigger: { resource: 'Condition', valueSet: DIABETES, status: ['active'] },
    });
    const alsoHba1c = campaignFixture({
      id: 'diabetes-labs',
      template: 'diabetes',
      trigger: { resource: 'Condition', valueSet: DIABETES, status: ['active'] },
      when: { has: { resource: 'Observation', valueSet: HBA1C } },
    });
    const campaigns = { ok: true as const, value: [byValueSet, alsoHba1c] };

    it('passes each one that expands, saying where from, with the campaigns naming it', () => {
      const valueSets = new Map([
        [DIABETES, { origin: 'file' as const, expansion: { ok: true as const, value: { version: '2', codes: 12 } } }],
        [HBA1C, { origin: 'server' as const, expansion: { ok: true as const, value: { version: undefined, codes: 3 } } }],
      ]);
      const checks = diagnose(findings({ campaigns, valueSets }));

      expect(byId(checks, `value-set:${DIABETES}`)).toMatchObject({
        result: 'pass',
        campaigns: ['diabetes-vs', 'diabetes-labs'],
        detail: 'from a file in jobs/valuesets: 12 codes, version 2',
      });
      expect(byId(checks, `value-set:${HBA1C}`)).toMatchObject({
        result: 'pass',
        campaigns: ['diabetes-labs'],
        detail: 'from the FHIR server ($expand): 3 codes',
      });
    });

    it('fails one the server cannot expand, saying what to do', () => {
      const refused = {
        ok: false as const,
        failure: { kind: 'refused' as const, status: 404, message: 'FHIR expand ValueSet failed with HTTP 404 (attempt 1/4)' },
      };
      const valueSets = new Map([
        [DIABETES, { origin: 'file' as const, expansion: { ok: true as const, value: { version: '2', codes: 12 } } }],
        [HBA1C, { origin: 'server' as const, expansion: refused }],
      ]);
      const check = byId(diagnose(findings({ campaigns, valueSets })), `value-set:${HBA1C}`);

      expect(check).toMatchObject({
        result: 'fail',
        campaigns: ['diabetes-labs'],
        detail: `from the FHIR server ($expand): ${refused.failure.message}`,
      });
      expect(check.action).toContain('add a ValueSet file to jobs/valuesets');
    });

    it('skips them when they were not tried', () => {
      expect(byId(diagnose(findings({ campaigns })), `value-set:${DIABETES}`)).toMatchObject({ result: 'skip', detail: 'needs: connect' });
    });
  });
});
