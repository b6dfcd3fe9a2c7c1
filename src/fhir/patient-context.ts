/**
 * Loads everything a template may know about patients with a single search: the Patients and, through
 * _revinclude, every record of a trigger type (Condition, Procedure, medication…) whose subject is one of them, and
 * their Consents (an opt-out comes with the record, at no extra request). One request (`_id=a,b,c`) serves a
 * whole batch of evaluations instead of one request per patient. The send-time re-check loads a send batch's
 * patients the same way, with only the record types it reads again.
 *
 * Real servers cap includes: Medplum refuses a search with more than 1,000 included resources (400), others
 * cut the answer short and say so in an OperationOutcome entry, or stop paging early. Then the batch's records
 * are loaded without includes, one search per record type (`Procedure?subject=Patient/a,Patient/b`), every page
 * followed, so a patient with thousands of records is still loaded whole.
 *
 * A type loaded by code (Observations: a patient may have thousands of vital signs) is not included: it has a
 * search of its own for the batch, with the codes its campaigns read (`Observation?subject=…&code=…`).
 */
import type { z } from 'zod';
import { type Logger, silentLogger } from '../log/index.ts';
import { clinicalDateOf, codeParameterOf, findTriggerType, TriggerResource, type TriggerResourceType } from '../triggers/index.ts';
import { Consent } from './consent.ts';
import { FhirRequestError, fieldPath } from './errors.ts';
import type { FhirGateway, FhirResource } from './gateway.ts';
import { patientIdOf, referenceOf } from './references.ts';
import { Patient } from './resources.ts';

/** The Patient and what they said about being messaged. */
export interface PatientPreferences {
  patient: Patient;
  /** The patient's Consents as the server has them, any status: the opt-out rules judge them. */
  consents: Consent[];
}

/** Everything a template and the decision may know about one patient, loaded once per evaluation. */
export interface PatientContext extends PatientPreferences {
  /** The patient's records of every trigger type, newest first (undated last). */
  records: TriggerResource[];
}

/**
 * A reference search parameter from a resource type to the Patient: a `_revinclude`, and the fallback's search;
 * with `codes`, a search of its own for the batch, by those codes.
 */
interface PatientLink {
  type: string;
  param: string;
  codes?: Record<string, string>;
}

// R4's Consent points at its patient with `patient` (its `subject` came with R5).
const CONSENT_LINK: PatientLink = { type: 'Consent', param: 'patient' };
/** The links a context of these record types is loaded with: each type by its subject (and codes), and the Consents. */
function recordLinks(types: readonly TriggerResourceType[], codes: ContextOptions['codes'] = new Map()): PatientLink[] {
  const byCode = (type: TriggerResourceType) => {
    const named = codes.get(type);
    const param = named && codeParameterOf(type, named);
    return named && param ? { codes: { [param]: named.join(',') } } : {};
  };
  return [...types.map((type) => ({ type, param: 'subject', ...byCode(type) })), CONSENT_LINK];
}

const revIncludesOf = (links: readonly PatientLink[]) => links.map((link) => `${link.type}:${link.param}`);

/** What a patient's record of these types is loaded with, `Type:param` (so `doctor` checks the server offers each). */
export function revIncludesFor(types: readonly TriggerResourceType[]): string[] {
  return revIncludesOf(recordLinks(types));
}

/** Which records a context holds (a campaign's `contextReadsOf`): the Patient and Consents always come. */
export interface ContextOptions {
  types: readonly TriggerResourceType[];
  /** Of these types, only the records with one of these codes (`system|code`): the campaigns read no others. */
  codes?: ReadonlyMap<TriggerResourceType, readonly string[]>;
  logger?: Logger;
}

/** Patients and their records as the server gave them, not yet checked. */
interface Loaded {
  patients: FhirResource[];
  records: FhirResource[];
}

/** Why the include search's answer cannot be trusted whole. */
type Shortfall = 'refused' | 'outcome-entry' | 'pages-missing';

/** The context of one patient, or undefined when the server has no such Patient (or a malformed one). */
export async function loadPatientContext(
  gateway: FhirGateway,
  patientId: string,
  options: ContextOptions,
): Promise<PatientContext | undefined> {
  return (await loadPatientContexts(gateway, [patientId], options)).get(patientId);
}

/**
 * Each patient's context by id, clinical resources newest first (undated last); deciding what counts as
 * active or recent is left to the campaign rules. A patient the server does not have, or whose Patient is
 * malformed, is missing from the map, which the caller records as "patient not found". A malformed clinical
 * resource is dropped with a warning rather than failing the patient: one bad record should not silence every
 * prompt.
 */
export async function loadPatientContexts(
  gateway: FhirGateway,
  patientIds: readonly string[],
  options: ContextOptions,
): Promise<Map<string, PatientContext>> {
  const logger = options.logger ?? silentLogger;
  const { patients, records } = await loadChecked(gateway, patientIds, recordLinks(options.types, options.codes), logger);
  const contexts = new Map<string, PatientContext>();
  for (const [patientId, preferences] of patients) contexts.set(patientId, { ...preferences, records: [] });
  for (const resource of records.sort(newestFirst)) {
    const context = contexts.get(patientIdOf(resource) ?? '');
    context?.records.push(resource);
  }
  return contexts;
}

/** The wanted Patients with their Consents, and their trigger records, each checked; malformed ones dropped with a warning. */
async function loadChecked(
  gateway: FhirGateway,
  patientIds: readonly string[],
  links: readonly PatientLink[],
  logger: Logger,
): Promise<{ patients: Map<string, PatientPreferences>; records: TriggerResource[] }> {
  const wanted = new Set(patientIds);
  const patients = new Map<string, PatientPreferences>();
  if (wanted.size === 0) return { patients, records: [] };
  const loaded = await loadBatch(gateway, [...wanted], links, logger);
  for (const resource of loaded.patients) {
    if (resource.resourceType !== 'Patient' || resource.id === undefined || !wanted.has(resource.id) || patients.has(resource.id)) continue;
    const patient = Patient.safeParse(resource);
    if (!patient.success) {
      const field = fieldPath(patient.error.issues[0]?.path ?? []);
      logger.warn({ patientId: resource.id, field }, 'Malformed FHIR Patient; treating it as not found');
      continue;
    }
    patients.set(resource.id, { patient: patient.data, consents: [] });
  }
  // Keyed by reference: offset paging can repeat an included resource on two pages.
  const records = new Map<string, TriggerResource>();
  const consents = new Map<string, Consent>();
  for (const resource of loaded.records) {
    if (resource.resourceType === 'Consent') {
      const consent = checked(Consent, resource, (parsed) => patientIdOf({ subject: parsed.patient }), wanted, logger);
      if (consent) consents.set(referenceOf(consent), consent);
    } else if (findTriggerType(resource.resourceType)) {
      const record = checked(TriggerResource, resource, patientIdOf, wanted, logger);
      if (record) records.set(referenceOf(record), record);
    }
  }
  for (const consent of consents.values()) patients.get(patientIdOf({ subject: consent.patient }) ?? '')?.consents.push(consent);
  return { patients, records: [...records.values()] };
}

/**
 * The resource parsed, if it is well formed and about one of the wanted patients; else undefined, with a warning
 * naming ids and the field only. The searches promise the patient; checking keeps a server bug from putting
 * another patient's data in a message, or another patient's opt-out on this one.
 */
function checked<T>(
  schema: z.ZodType<T>,
  resource: FhirResource,
  patientOf: (parsed: T) => string | undefined,
  wanted: ReadonlySet<string>,
  logger: Logger,
): T | undefined {
  const parsed = schema.safeParse(resource);
  if (!parsed.success) {
    const field = fieldPath(parsed.error.issues[0]?.path ?? []);
    logger.warn({ resourceType: resource.resourceType, resourceId: resource.id, field }, 'Dropped malformed FHIR resource');
    return undefined;
  }
  const patientId = patientOf(parsed.data);
  if (patientId === undefined || !wanted.has(patientId)) {
    logger.warn({ resourceType: resource.resourceType, resourceId: resource.id }, 'Dropped FHIR resource of another subject');
    return undefined;
  }
  return parsed.data;
}

/**
 * The batch's Patients and linked resources: one search with includes, else per type (logged, ids and counts only);
 * then the types loaded by code, each in a search of its own.
 */
async function loadBatch(gateway: FhirGateway, patientIds: string[], links: readonly PatientLink[], logger: Logger): Promise<Loaded> {
  const included = links.filter((link) => link.codes === undefined);
  const withIncludes = await loadWithIncludes(gateway, patientIds, included);
  const loaded = 'shortfall' in withIncludes ? await loadPerRecordType(gateway, patientIds, included) : withIncludes;
  if ('shortfall' in withIncludes) {
    const records = Object.fromEntries(included.map(({ type }) => [type, loaded.records.filter((r) => r.resourceType === type).length]));
    logger.warn(
      { patients: patientIds.length, shortfall: withIncludes.shortfall, found: loaded.patients.length, records },
      'Patient records loaded per record type: the _revinclude search was refused or cut short',
    );
  }
  const byCode = links.filter((link) => link.codes !== undefined);
  return { patients: loaded.patients, records: [...loaded.records, ...(await loadLinked(gateway, loaded.patients, byCode))] };
}

/** The batch in one search with its records included; a shortfall when the answer cannot be trusted whole. */
async function loadWithIncludes(
  gateway: FhirGateway,
  patientIds: string[],
  links: readonly PatientLink[],
): Promise<Loaded | { shortfall: Shortfall }> {
  const loaded: Loaded = { patients: [], records: [] };
  let total: number | undefined;
  try {
    for await (const page of gateway.searchPages('Patient', { _id: patientIds.join(','), _revinclude: revIncludesOf(links) })) {
      if (page.outcomes) return { shortfall: 'outcome-entry' };
      total = page.total ?? total;
      loaded.patients.push(...page.matches);
      loaded.records.push(...page.included);
    }
  } catch (error) {
    if (error instanceof FhirRequestError && error.status === 400) return { shortfall: 'refused' };
    throw error;
  }
  // Bundle.total counts the matches (Patients), not the includes. Fewer Patients than it announced means the
  // server stopped paging early; a server that gives no total cannot be checked this way.
  const found = new Set(loaded.patients.map((patient) => patient.id)).size;
  return total !== undefined && found < total ? { shortfall: 'pages-missing' } : loaded;
}

/** The batch without includes: the Patients, then each linked type by its patient parameter. */
async function loadPerRecordType(gateway: FhirGateway, patientIds: string[], links: readonly PatientLink[]): Promise<Loaded> {
  const patients: FhirResource[] = [];
  for await (const page of gateway.searchPages('Patient', { _id: patientIds.join(',') })) patients.push(...page.matches);
  return { patients, records: await loadLinked(gateway, patients, links) };
}

/** The found Patients' resources of each linked type, one search per type for the batch, every page followed. */
async function loadLinked(gateway: FhirGateway, patients: readonly FhirResource[], links: readonly PatientLink[]): Promise<FhirResource[]> {
  const found = [...new Set(patients.flatMap((patient) => (patient.id === undefined ? [] : [`Patient/${patient.id}`])))];
  const records: FhirResource[] = [];
  if (found.length === 0) return records;
  for (const { type, param, codes } of links) {
    // A comma is OR in a FHIR search value: one search per type serves the whole batch.
    for await (const page of gateway.searchPages(type, { [param]: found.join(','), ...codes })) records.push(...page.matches);
  }
  return records;
}

/** The resource a prompt was triggered by, by its `Type/id` reference, if it belongs to this context. */
export function findResource(context: PatientContext, reference: string): TriggerResource | undefined {
  return context.records.find((resource) => referenceOf(resource) === reference);
}

function newestFirst(a: TriggerResource, b: TriggerResource): number {
  // Two undated resources give -Infinity - -Infinity = NaN: treat them as equal.
  return timeOf(b) - timeOf(a) || 0;
}

/** Milliseconds since the epoch; partial dates (`2024-03`) read as their first instant, undated as -Infinity. */
function timeOf(resource: TriggerResource): number {
  const date = clinicalDateOf(resource);
  const time = date === undefined ? Number.NaN : Date.parse(date);
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}
