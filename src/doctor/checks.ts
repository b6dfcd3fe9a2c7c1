/**
 * What `careprompt doctor` concludes (pure): from what the server answered, the active campaigns and the
 * templates, one result per thing careprompt will ask of the server, each shortfall with what to do about it.
 *
 * Glossary
 * - check: one requirement, such as "search Procedure by date"; `id` is stable, for scripts and logs.
 * - pass / warn / fail: met; not met but careprompt copes (the action says how); not met, so careprompt cannot
 *   work correctly. skip: not judged, because a check it depends on failed.
 * - campaigns: the active campaigns that need it; absent when the check is about the server as a whole.
 */
import { type Campaign, recordMatchesOf, recordTypesOf, triggerOf, triggerSearchParameters, valueSetsOf } from '../campaigns/index.ts';
import { revIncludesFor } from '../fhir/index.ts';
import { codeParameterOf, isLoadedByCode, LISTED_RESOURCE_TYPES } from '../triggers/index.ts';
import { type DeclaredResource, type ParsedStatement, parseCapabilityStatement, type ServerDeclaration } from './capability-statement.ts';

export type CheckResult = 'pass' | 'warn' | 'fail' | 'skip';

export interface Check {
  id: string;
  name: string;
  result: CheckResult;
  campaigns?: string[];
  /** What was found: statuses, names and file paths, never patient data. */
  detail?: string;
  /** What to do about a warning or a failure. */
  action?: string;
}

/** How a request to the server went wrong, as the edge classified the error it threw. */
export interface ProbeFailure {
  /** unreachable: no answer (network, timeout, 5xx after retries); refused: a 4xx; credentials: reached, but the
   * credentials were refused (FhirAuthError: a 401 after renewing the token, or the token endpoint's refusal);
   * malformed: an answer we cannot read; unexpected: thrown before any answer. */
  kind: 'unreachable' | 'refused' | 'credentials' | 'malformed' | 'unexpected';
  status?: number;
  /** PHI-free: the request, the status, the attempt. */
  message: string;
}

export type Probe<T> = { ok: true; value: T } | { ok: false; failure: ProbeFailure };

/** How a value set the active campaigns name was expanded: from a local file or by the server's `$expand`. */
export interface ValueSetFinding {
  origin: 'file' | 'server';
  expansion: Probe<{ version: string | undefined; codes: number }>;
}

export interface Findings {
  baseUrl: string;
  /** `GET <base>/metadata`. */
  metadata: Probe<unknown>;
  /** A search sent with credentials; undefined when not attempted (no server, or /metadata already refused them). */
  search: Probe<unknown> | undefined;
  /** The active campaigns, or why they could not be read. */
  campaigns: { ok: true; value: Campaign[] } | { ok: false; problem: string };
  /** Why a template cannot be used, or undefined when it loads. */
  templateProblem(templateId: string): string | undefined;
  /** How a template reads above grade 8, or undefined when it does not (campaigns may waive it). */
  readingProblem(templateId: string): string | undefined;
  /** Each value set the active campaigns name, by url; absent when it was not tried (the server is unreachable). */
  valueSets: ReadonlyMap<string, ValueSetFinding>;
  /** VALUESETS_DIR, for the actions. */
  valueSetsDir: string;
}

type Verdict = Pick<Check, 'result' | 'detail' | 'action'>;

/** A requirement on what the server declares. */
interface Requirement {
  id: string;
  name: string;
  campaigns?: string[];
  /** The id of the check that must pass before this one means anything. */
  needs?: string;
  judge(server: ServerDeclaration): Verdict;
}

const PASS: Verdict = { result: 'pass' };
const AUTH_HELP =
  'set FHIR_AUTH (bearer, client-credentials or smart-backend) and the variables it needs (README, "Connecting to an EHR"); if they are set, the server rejected them: check the client registered with it';
const REFUSED_HELP =
  'the server answered and refused the credentials: fix what the message names, and check that the EHR registered this client (README, "Connecting to an EHR")';
const SCOPE_HELP =
  'the credentials are accepted but not allowed this: grant the client the scopes in FHIR_SCOPES (search of Patient and the trigger resources, create and search of Communication)';

export function diagnose(findings: Findings): Check[] {
  const parsed = findings.metadata.ok ? parseCapabilityStatement(findings.metadata.value) : undefined;
  const access = accessChecks(findings, parsed);
  const server = parsed?.ok ? parsed.server : undefined;
  const campaigns = findings.campaigns.ok ? findings.campaigns.value : [];
  const judged = new Map<string, CheckResult>();
  const declared = [
    fhirVersion(),
    ...serverRequirements(campaigns),
    ...mergedById([...triggerRequirements(campaigns), ...criteriaRequirements(campaigns), ...codedRecordRequirements(campaigns)]),
  ].map(({ judge, needs, ...check }): Check => {
    const blocker = !server ? 'capability-statement' : needs && judged.get(needs) !== 'pass' ? needs : undefined;
    const verdict: Verdict = server && !blocker ? judge(server) : { result: 'skip', detail: `needs: ${blocker}` };
    judged.set(check.id, verdict.result);
    return { ...check, ...verdict };
  });
  return [
    ...access,
    campaignsCheck(findings.campaigns),
    ...declared,
    ...templateChecks(campaigns, findings),
    ...valueSetChecks(campaigns, findings),
  ];
}

/** connect, authenticate, capability-statement: can careprompt talk to the server at all? */
function accessChecks({ baseUrl, metadata, search }: Findings, parsed: ParsedStatement | undefined): Check[] {
  const connect = (verdict: Verdict): Check => ({ id: 'connect', name: 'connect to the FHIR server', ...verdict });
  const authenticate = (verdict: Verdict): Check => ({ id: 'authenticate', name: 'authenticate (a search with credentials)', ...verdict });
  const statement = (verdict: Verdict): Check => ({
    id: 'capability-statement',
    name: 'read the CapabilityStatement (/metadata)',
    ...verdict,
  });
  if (!metadata.ok) {
    const { failure } = metadata;
    if (failure.kind === 'unreachable') {
      return [
        connect({
          result: 'fail',
          detail: failure.message,
          action: `check FHIR_BASE_URL (${baseUrl}) and that the server is up and reachable from this host`,
        }),
        authenticate({ result: 'skip', detail: 'needs: connect' }),
        statement({ result: 'skip', detail: 'needs: connect' }),
      ];
    }
    if (failure.kind === 'unexpected' || isCredentialRefusal(failure)) {
      return [
        failure.kind === 'unexpected' ? connect({ result: 'skip', detail: 'needs: authenticate' }) : connect({ ...PASS, detail: baseUrl }),
        authenticate(credentialVerdict(failure)),
        statement({ result: 'skip', detail: 'needs: authenticate' }),
      ];
    }
  }
  return [connect({ ...PASS, detail: baseUrl }), authenticate(searchVerdict(search)), statement(statementVerdict(metadata, parsed))];
}

function isCredentialRefusal(failure: ProbeFailure): boolean {
  return failure.kind === 'credentials' || (failure.kind === 'refused' && (failure.status === 401 || failure.status === 403));
}

/**
 * 403: known but not allowed; careprompt's own refusal (the token endpoint's answer, a 401 after renewing the
 * token): its message names the variables; a bare 401 or a failure before any request: not known.
 */
function credentialVerdict(failure: ProbeFailure): Verdict {
  const action = failure.status === 403 ? SCOPE_HELP : failure.kind === 'credentials' ? REFUSED_HELP : AUTH_HELP;
  return { result: 'fail', detail: failure.message, action };
}

function searchVerdict(search: Probe<unknown> | undefined): Verdict {
  if (!search) return { result: 'skip', detail: 'needs: connect' };
  if (search.ok) return PASS;
  const { failure } = search;
  if (isCredentialRefusal(failure) || failure.kind === 'unexpected') return credentialVerdict(failure);
  const action =
    failure.kind === 'unreachable'
      ? 'the server stopped answering after /metadata: check that it is up and try again'
      : 'careprompt loads patients with Patient?_id=…: check the server logs for why it refused that search';
  return { result: 'fail', detail: failure.message, action };
}

function statementVerdict(metadata: Probe<unknown>, parsed: ParsedStatement | undefined): Verdict {
  const action =
    'FHIR_BASE_URL must be the FHIR base, where /metadata answers with a CapabilityStatement (e.g. https://ehr.example/fhir/r4)';
  if (!metadata.ok) return { result: 'fail', detail: metadata.failure.message, action };
  if (!parsed?.ok) return { result: 'fail', detail: `the answer to /metadata ${parsed?.problem ?? 'was not read'}`, action };
  return { ...PASS, ...(parsed.server.software ? { detail: parsed.server.software } : {}) };
}

function campaignsCheck(campaigns: Findings['campaigns']): Check {
  const check = { id: 'campaigns', name: 'read the active campaigns' };
  if (!campaigns.ok) {
    return { ...check, result: 'fail', detail: campaigns.problem, action: 'check DATABASE_URL and that PostgreSQL is up and migrated' };
  }
  if (campaigns.value.length === 0) {
    return {
      ...check,
      result: 'warn',
      detail: 'no active campaigns: only what every campaign needs was checked',
      action: 'apply campaigns with `careprompt campaigns apply <file-or-folder>` and run doctor again',
    };
  }
  return { ...check, result: 'pass', detail: campaigns.value.map((campaign) => campaign.id).join(', ') };
}

function fhirVersion(): Requirement {
  const action = "careprompt speaks FHIR R4 (4.0.x): point FHIR_BASE_URL at the server's R4 endpoint";
  return {
    id: 'fhir-version',
    name: 'FHIR version 4.0.x (R4)',
    judge: ({ fhirVersion }) => {
      if (fhirVersion === undefined) return { result: 'fail', detail: 'the CapabilityStatement does not state fhirVersion', action };
      return /^4\.0(\.|$)/.test(fhirVersion)
        ? { ...PASS, detail: fhirVersion }
        : { result: 'fail', detail: `the server speaks FHIR ${fhirVersion}`, action };
    },
  };
}

/**
 * What every campaign needs: loading patients' records (the types templates list, and those the campaigns'
 * triggers and criteria read, included with the Patients), and delivering and looking up messages.
 */
function serverRequirements(campaigns: readonly Campaign[]): Requirement[] {
  const read = [...new Set([...LISTED_RESOURCE_TYPES, ...campaigns.flatMap((campaign) => recordTypesOf(campaign))])];
  const revIncludes = revIncludesFor(read.filter((type) => !isLoadedByCode(type)));
  return [
    searchType('Patient', undefined, "careprompt loads each batch's patients with one search (Patient?_id=a,b,c&_revinclude=…)"),
    searchParam('Patient', '_id', undefined, "careprompt loads each batch's patients by id (Patient?_id=a,b,c)"),
    ...revIncludes.map(revInclude),
    ...revIncludes.map(recordsBySubject),
    {
      id: 'create:Communication',
      name: 'create Communication',
      judge: (server) =>
        declares(server.resource('Communication'), 'create')
          ? PASS
          : {
              result: 'fail',
              detail: 'Communication does not declare the create interaction',
              action: 'careprompt delivers every prompt by creating a Communication: enable create of Communication for this client',
            },
    },
    {
      id: 'conditional-create:Communication',
      name: 'conditional create of Communication (If-None-Exist)',
      needs: 'create:Communication',
      judge: (server) =>
        server.resource('Communication').conditionalCreate
          ? PASS
          : {
              result: 'fail',
              detail: 'Communication does not declare conditionalCreate: true',
              action:
                'exactly-once delivery depends on it (a retry after a lost response must find the message already made): enable conditional create on the server before sending anything',
            },
    },
    searchType(
      'Communication',
      undefined,
      'before withdrawing a prompt whose send may have got through, careprompt looks it up by identifier',
    ),
    searchParam(
      'Communication',
      'identifier',
      undefined,
      'before withdrawing a prompt whose send may have got through, careprompt looks it up (Communication?identifier=…); without it such a prompt fails',
    ),
  ];
}

/** What each trigger resource type needs, with the campaigns that poll it. */
function triggerRequirements(campaigns: readonly Campaign[]): Requirement[] {
  return [...campaignIdsBy(campaigns, (campaign) => [triggerOf(campaign).resource])].flatMap(([type, ids]) => {
    const params = triggerSearchParameters(type);
    const sends = (what: string) => `polls send ${what}: a server that refuses it fails every poll, one that ignores it returns everything`;
    const polling = campaigns.filter((campaign) => ids.includes(campaign.id));
    return [
      searchType(type, ids, `these campaigns poll by searching ${type}: they cannot run against this server`),
      ...[...campaignIdsBy(polling, (campaign) => [codeSearchParameterOf(campaign)])].flatMap(([param, byParam]) =>
        param ? [searchParam(type, param, byParam, sends('the trigger codes'))] : [],
      ),
      searchParam(type, params.status, ids, sends('the allowed statuses')),
      ...(params.date ? [searchParam(type, params.date, ids, sends('the due window'))] : []),
      searchParam(type, params.changedSince, ids, sends(`what changed since the last poll (${params.changedSince}=ge…)`)),
      {
        id: `read:${type}`,
        name: `read ${type}`,
        campaigns: ids,
        needs: `search:${type}`,
        judge: (server) =>
          declares(server.resource(type), 'read')
            ? PASS
            : {
                result: 'warn',
                detail: `${type} does not declare the read interaction`,
                action: `needed only when a trigger ${type} has left its patient's record since the poll; that candidate is then recorded as an error`,
              },
      },
    ];
  });
}

/**
 * What campaigns with criteria search besides their trigger: each record type their criteria read, by code and
 * `_lastUpdated` (a change can change a decision). Their trigger is then searched for those patients by `subject`,
 * which loading records already needs of every type (serverRequirements).
 */
function criteriaRequirements(campaigns: readonly Campaign[]): Requirement[] {
  const sends = (what: string) =>
    `polls look for changes to what the criteria read with ${what}: a server that refuses it fails every poll`;
  const read = [...campaignIdsBy(campaigns, (campaign) => [...new Set(recordMatchesOf(campaign).map((match) => match.resource))])];
  return read.flatMap(([type, ids]) => [
    searchType(type, ids, `these campaigns' criteria read ${type}: their polls search it for changes`),
    searchParam(type, triggerSearchParameters(type).code, ids, sends('their codes')),
    searchParam(type, '_lastUpdated', ids, sends('_lastUpdated=ge…')),
  ]);
}

/** The record types loaded by code (Observations) are searched by subject for each batch, never included. */
function codedRecordRequirements(campaigns: readonly Campaign[]): Requirement[] {
  const read = [...campaignIdsBy(campaigns, (campaign) => recordTypesOf(campaign).filter(isLoadedByCode))];
  return read.map(([type, ids]) =>
    searchParam(type, 'subject', ids, `careprompt loads each batch's ${type}s by their codes (${type}?subject=Patient/a,…&code=…)`),
  );
}

/** One check per id: two campaigns' needs of the same search parameter are one check naming both. */
function mergedById(requirements: readonly Requirement[]): Requirement[] {
  const byId = new Map<string, Requirement>();
  for (const requirement of requirements) {
    const earlier = byId.get(requirement.id);
    const campaigns = [...new Set([...(earlier?.campaigns ?? []), ...(requirement.campaigns ?? [])])];
    byId.set(requirement.id, earlier ? { ...earlier, campaigns } : requirement);
  }
  return [...byId.values()];
}

/**
 * The parameter a campaign's polls send its codes with (an Encounter's class codes go as `class`), none for codes
 * no one parameter fits. Doctor expands no value set: for one, the type's usual code parameter is checked.
 */
function codeSearchParameterOf(campaign: Campaign): string | undefined {
  const trigger = triggerOf(campaign);
  return trigger.valueSet === undefined
    ? codeParameterOf(trigger.resource, trigger.codes ?? [])
    : triggerSearchParameters(trigger.resource).code;
}

function searchType(type: string, campaigns: string[] | undefined, why: string): Requirement {
  return {
    id: `search:${type}`,
    name: `search ${type}`,
    ...(campaigns ? { campaigns } : {}),
    judge: (server) => {
      const resource = server.resource(type);
      if (declares(resource, 'search-type')) return PASS;
      const detail = resource.listed ? `${type} does not declare the search-type interaction` : `the server does not list ${type}`;
      return { result: 'fail', detail, action: why };
    },
  };
}

function searchParam(type: string, param: string, campaigns: string[] | undefined, why: string): Requirement {
  return {
    id: `search-param:${type}:${param}`,
    name: `search ${type} by ${param}`,
    ...(campaigns ? { campaigns } : {}),
    needs: `search:${type}`,
    judge: (server) =>
      server.resource(type).searchParam(param)
        ? PASS
        : {
            result: 'fail',
            detail: `the server does not list ${param} among the search parameters of ${type}`,
            action: `${why}; ask the server's vendor whether ${type}?${param} is supported`,
          },
  };
}

function revInclude(target: string): Requirement {
  const [type, param] = target.split(':');
  const missed =
    type === 'Consent'
      ? "a server that silently ignores it hides patients' opt-outs recorded as Consents: they would be messaged"
      : `a server that silently ignores it leaves templates without the patient's ${type} records`;
  return {
    id: `revinclude:Patient:${target}`,
    name: `search Patient with _revinclude=${target}`,
    needs: 'search:Patient',
    judge: (server) =>
      server.resource('Patient').revInclude(target)
        ? PASS
        : {
            result: 'warn',
            detail: `the server does not list _revinclude=${target} on Patient`,
            action: `careprompt falls back to per-type searches (${type}?${param}=…) when the server refuses it; ${missed}`,
          },
  };
}

/**
 * The fallback's search for one record type when the server caps or refuses the includes: a warning, since a
 * server that answers the includes never needs it. Judged on its own (not after `search:<type>`, which only
 * campaigns polling the type check).
 */
function recordsBySubject(target: string): Requirement {
  const [type = target, param = 'subject'] = target.split(':');
  return {
    id: `search-param:${type}:${param}`,
    name: `search ${type} by ${param}`,
    judge: (server) => {
      const resource = server.resource(type);
      const searchable = declares(resource, 'search-type');
      if (searchable && resource.searchParam(param)) return PASS;
      const detail = !resource.listed
        ? `the server does not list ${type}`
        : searchable
          ? `the server does not list ${param} among the search parameters of ${type}`
          : `${type} does not declare the search-type interaction`;
      return {
        result: 'warn',
        detail,
        action: `needed only when the server caps or refuses _revinclude (Medplum above 1,000 included resources): careprompt then loads each batch's records with ${type}?${param}=Patient/a,Patient/b, and the evaluations it refuses fail`,
      };
    },
  };
}

function declares(resource: DeclaredResource, interaction: string): boolean {
  return resource.listed && resource.interaction(interaction);
}

/** Per template the active campaigns use: it loads, and it reads at grade 8 or below unless they waive that. */
function templateChecks(campaigns: readonly Campaign[], { templateProblem, readingProblem }: Findings): Check[] {
  return [...campaignIdsBy(campaigns, (campaign) => [campaign.template])].flatMap(([templateId, ids]): Check[] => {
    const problem = templateProblem(templateId);
    const check = { id: `template:${templateId}`, name: `load template ${templateId}`, campaigns: ids };
    if (problem !== undefined) {
      const action = 'fix the file named (TEMPLATES_DIR): these campaigns cannot render a prompt until then';
      return [{ ...check, result: 'fail', detail: problem, action }];
    }
    return [{ ...check, result: 'pass' }, readingCheck(templateId, campaigns, readingProblem(templateId))];
  });
}

function readingCheck(templateId: string, campaigns: readonly Campaign[], problem: string | undefined): Check {
  const using = campaigns.filter((campaign) => campaign.template === templateId);
  const unwaived = using.filter((campaign) => campaign.readingLevelWaiver === undefined).map((campaign) => campaign.id);
  const check = { id: `reading:${templateId}`, name: `template ${templateId} reads at grade 8 or below` };
  if (problem === undefined) return { ...check, campaigns: using.map((campaign) => campaign.id), result: 'pass' };
  if (unwaived.length === 0) {
    return {
      ...check,
      campaigns: using.map((campaign) => campaign.id),
      result: 'pass',
      detail: `${problem}; waived by every campaign using it`,
    };
  }
  const action = 'these campaigns do not run until it is rewritten or they give readingLevelWaiver: <reason> (README, "Reading level")';
  return { ...check, campaigns: unwaived, result: 'fail', detail: problem, action };
}

/**
 * Per value set the active campaigns name: where it comes from, and that it expands (a campaign whose value set
 * does not expand cannot decide anything; one a server once expanded runs on its cached codes for up to 7 days).
 */
function valueSetChecks(campaigns: readonly Campaign[], { valueSets, valueSetsDir }: Findings): Check[] {
  return [...campaignIdsBy(campaigns, valueSetsOf)].map(([url, ids]): Check => {
    const check = { id: `value-set:${url}`, name: `expand value set ${url}`, campaigns: ids };
    const found = valueSets.get(url);
    if (!found) return { ...check, result: 'skip', detail: 'needs: connect' };
    const from = found.origin === 'file' ? `a file in ${valueSetsDir}` : 'the FHIR server ($expand)';
    const { expansion } = found;
    if (expansion.ok) {
      const version = expansion.value.version === undefined ? '' : `, version ${expansion.value.version}`;
      return { ...check, result: 'pass', detail: `from ${from}: ${expansion.value.codes} codes${version}` };
    }
    const action =
      found.origin === 'file'
        ? `fix the file named (${valueSetsDir}): these campaigns cannot decide until it reads`
        : `load the ValueSet on the server (ValueSet/$expand?url=${url} must answer; with SMART scopes, grant system/ValueSet.rs in FHIR_SCOPES) or add a ValueSet file to ${valueSetsDir}: these campaigns cannot decide until it expands`;
    return { ...check, result: 'fail', detail: `from ${from}: ${expansion.failure.message}`, action };
  });
}

/** The ids of the campaigns sharing each key (a campaign may have several), keys in order of first appearance. */
function campaignIdsBy<K>(campaigns: readonly Campaign[], keysOf: (campaign: Campaign) => readonly K[]): Map<K, string[]> {
  const ids = new Map<K, string[]>();
  for (const campaign of campaigns) for (const key of keysOf(campaign)) ids.set(key, [...(ids.get(key) ?? []), campaign.id]);
  return ids;
}

/** How many checks came out each way. */
export function tally(checks: readonly Check[]): Record<CheckResult, number> {
  const counts: Record<CheckResult, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) counts[check.result] += 1;
  return counts;
}
