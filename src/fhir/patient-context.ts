/**
 * Loads everything a template may know about patients with a single search: the Patients and, through
 * _revinclude, every record of a trigger type (Condition, Procedure, medication…) whose subject is one of them. One request
 * (`_id=a,b,c`) serves a whole batch of evaluations instead of one request per patient.
 *
 * Real servers cap includes: Medplum refuses a search with more than 1,000 included resources (400), others
 * cut the answer short and say so in an OperationOutcome entry, or stop paging early. Then the batch's records
 * are loaded without includes, one search per record type (`Procedure?subject=Patient/a,Patient/b`), every page
 * followed, so a patient with thousands of records is still loaded whole.
 */
import { type Logger, silentLogger } from '../log/index.ts';
import { clinicalDateOf, findTriggerType, TRIGGER_RESOURCE_TYPES, TriggerResource } from '../triggers/index.ts';
import { FhirRequestError, fieldPath } from './errors.ts';
import type { FhirGateway, FhirResource } from './gateway.ts';
import { patientIdOf, referenceOf } from './references.ts';
import { Patient } from './resources.ts';

/** Everything a template may know about one patient, loaded once per evaluation. */
export interface PatientContext {
  patient: Patient;
  /** The patient's records of every trigger type, newest first (undated last). */
  records: TriggerResource[];
}

/** What a patient's record is loaded with (exported so `doctor` checks the server offers each). */
export const REVINCLUDES = TRIGGER_RESOURCE_TYPES.map((type) => `${type}:subject`);

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
  options: { logger?: Logger } = {},
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
  options: { logger?: Logger } = {},
): Promise<Map<string, PatientContext>> {
  const wanted = new Set(patientIds);
  if (wanted.size === 0) return new Map();
  const logger = options.logger ?? silentLogger;
  const patients = new Map<string, FhirResource>();
  // Keyed by reference: offset paging can repeat an included resource on two pages.
  const clinical = new Map<string, TriggerResource>();

  const loaded = await loadBatch(gateway, [...wanted], logger);
  for (const resource of loaded.patients) {
    if (resource.resourceType === 'Patient' && resource.id !== undefined && wanted.has(resource.id)) patients.set(resource.id, resource);
  }
  for (const resource of loaded.records) {
    if (!findTriggerType(resource.resourceType)) continue;
    const parsed = TriggerResource.safeParse(resource);
    if (!parsed.success) {
      const field = fieldPath(parsed.error.issues[0]?.path ?? []);
      logger.warn({ resourceType: resource.resourceType, resourceId: resource.id, field }, 'Dropped malformed FHIR resource');
      continue;
    }
    // The searches promise this; checking keeps a server bug from putting another patient's data in a message.
    const subjectId = patientIdOf(parsed.data);
    if (subjectId === undefined || !wanted.has(subjectId)) {
      logger.warn({ resourceType: resource.resourceType, resourceId: resource.id }, 'Dropped FHIR resource of another subject');
      continue;
    }
    clinical.set(referenceOf(parsed.data), parsed.data);
  }

  const contexts = new Map<string, PatientContext>();
  for (const [patientId, resource] of patients) {
    const patient = Patient.safeParse(resource);
    if (!patient.success) {
      const field = fieldPath(patient.error.issues[0]?.path ?? []);
      logger.warn({ patientId, field }, 'Malformed FHIR Patient; treating it as not found');
      continue;
    }
    contexts.set(patientId, { patient: patient.data, records: [] });
  }
  for (const resource of [...clinical.values()].sort(newestFirst)) {
    const context = contexts.get(patientIdOf(resource) ?? '');
    context?.records.push(resource);
  }
  return contexts;
}

/** The batch's Patients and records: one search with includes, else per record type (logged, ids and counts only). */
async function loadBatch(gateway: FhirGateway, patientIds: string[], logger: Logger): Promise<Loaded> {
  const included = await loadWithIncludes(gateway, patientIds);
  if (!('shortfall' in included)) return included;
  const loaded = await loadPerRecordType(gateway, patientIds);
  const records = Object.fromEntries(
    TRIGGER_RESOURCE_TYPES.map((type) => [type, loaded.records.filter((r) => r.resourceType === type).length]),
  );
  logger.warn(
    { patients: patientIds.length, shortfall: included.shortfall, found: loaded.patients.length, records },
    'Patient records loaded per record type: the _revinclude search was refused or cut short',
  );
  return loaded;
}

/** The batch in one search with its records included; a shortfall when the answer cannot be trusted whole. */
async function loadWithIncludes(gateway: FhirGateway, patientIds: string[]): Promise<Loaded | { shortfall: Shortfall }> {
  const loaded: Loaded = { patients: [], records: [] };
  let total: number | undefined;
  try {
    for await (const page of gateway.searchPages('Patient', { _id: patientIds.join(','), _revinclude: REVINCLUDES })) {
      if (page.outcomes) return { shortfall: 'outcome-entry' };
      total ??= page.total;
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

/** The batch without includes: the Patients, then each record type by subject, every page followed. */
async function loadPerRecordType(gateway: FhirGateway, patientIds: string[]): Promise<Loaded> {
  const loaded: Loaded = { patients: [], records: [] };
  for await (const page of gateway.searchPages('Patient', { _id: patientIds.join(',') })) loaded.patients.push(...page.matches);
  const found = loaded.patients.flatMap((patient) => (patient.id === undefined ? [] : [`Patient/${patient.id}`]));
  if (found.length === 0) return loaded;
  for (const type of TRIGGER_RESOURCE_TYPES) {
    // A comma is OR in a FHIR search value: one search per type serves the whole batch.
    for await (const page of gateway.searchPages(type, { subject: found.join(',') })) loaded.records.push(...page.matches);
  }
  return loaded;
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
