/**
 * Loads everything a template may know about patients with a single search: the Patients and, through
 * _revinclude, every Condition, Procedure and medication whose subject is one of them. One request
 * (`_id=a,b,c`) serves a whole batch of evaluations instead of one request per patient.
 */
import { type Logger, silentLogger } from '../log/index.ts';
import { fieldPath } from './errors.ts';
import type { FhirGateway, FhirResource } from './gateway.ts';
import { clinicalDateOf, patientIdOf, referenceOf } from './resource-facts.ts';
import { Patient, type PatientContext, TriggerResource } from './resources.ts';

/** What a patient's record is loaded with (exported so `doctor` checks the server offers each). */
export const REVINCLUDES = ['Condition:subject', 'Procedure:subject', 'MedicationRequest:subject', 'MedicationStatement:subject'];
const CLINICAL_TYPES = new Set(['Condition', 'Procedure', 'MedicationRequest', 'MedicationStatement']);

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

  for await (const page of gateway.searchPages('Patient', { _id: [...wanted].join(','), _revinclude: REVINCLUDES })) {
    for (const resource of page.matches) {
      if (resource.resourceType === 'Patient' && resource.id !== undefined && wanted.has(resource.id)) patients.set(resource.id, resource);
    }
    for (const resource of page.included) {
      if (!CLINICAL_TYPES.has(resource.resourceType)) continue;
      const parsed = TriggerResource.safeParse(resource);
      if (!parsed.success) {
        const field = fieldPath(parsed.error.issues[0]?.path ?? []);
        logger.warn({ resourceType: resource.resourceType, resourceId: resource.id, field }, 'Dropped malformed FHIR resource');
        continue;
      }
      // _revinclude promises this; checking keeps a server bug from putting another patient's data in a message.
      const subjectId = patientIdOf(parsed.data);
      if (subjectId === undefined || !wanted.has(subjectId)) {
        logger.warn({ resourceType: resource.resourceType, resourceId: resource.id }, 'Dropped FHIR resource of another subject');
        continue;
      }
      clinical.set(referenceOf(parsed.data), parsed.data);
    }
  }

  const contexts = new Map<string, PatientContext>();
  for (const [patientId, resource] of patients) {
    const patient = Patient.safeParse(resource);
    if (!patient.success) {
      const field = fieldPath(patient.error.issues[0]?.path ?? []);
      logger.warn({ patientId, field }, 'Malformed FHIR Patient; treating it as not found');
      continue;
    }
    contexts.set(patientId, { patient: patient.data, conditions: [], procedures: [], medications: [] });
  }
  for (const resource of [...clinical.values()].sort(newestFirst)) {
    const context = contexts.get(patientIdOf(resource) ?? '');
    if (!context) continue;
    if (resource.resourceType === 'Condition') context.conditions.push(resource);
    else if (resource.resourceType === 'Procedure') context.procedures.push(resource);
    else context.medications.push(resource);
  }
  return contexts;
}

/** The resource a prompt was triggered by, by its `Type/id` reference, if it belongs to this context. */
export function findResource(context: PatientContext, reference: string): TriggerResource | undefined {
  return [...context.conditions, ...context.procedures, ...context.medications].find((resource) => referenceOf(resource) === reference);
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
