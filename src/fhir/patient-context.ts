/**
 * Loads everything a template may know about one patient with a single search: the Patient and, through
 * _revinclude, every Condition, Procedure and medication whose subject is that patient.
 */
import { type Logger, silentLogger } from '../log/index.ts';
import { fieldPath } from './errors.ts';
import type { FhirGateway, FhirResource } from './gateway.ts';
import { clinicalDateOf, patientIdOf, referenceOf } from './resource-facts.ts';
import { type Medication, Patient, type PatientContext, TriggerResource } from './resources.ts';

const REVINCLUDES = ['Condition:subject', 'Procedure:subject', 'MedicationRequest:subject', 'MedicationStatement:subject'];
const CLINICAL_TYPES = new Set(['Condition', 'Procedure', 'MedicationRequest', 'MedicationStatement']);

/**
 * The patient's context, clinical resources newest first (undated last); deciding what counts as active or
 * recent is left to the campaign rules. Undefined when the server has no such Patient or its Patient is
 * malformed, which the caller records as "patient not found". A malformed clinical resource is dropped with
 * a warning rather than failing the patient: one bad record should not silence every prompt.
 */
export async function loadPatientContext(
  gateway: FhirGateway,
  patientId: string,
  options: { logger?: Logger } = {},
): Promise<PatientContext | undefined> {
  const logger = options.logger ?? silentLogger;
  let patientResource: FhirResource | undefined;
  // Keyed by reference: offset paging can repeat an included resource on two pages.
  const clinical = new Map<string, TriggerResource>();

  for await (const page of gateway.searchPages('Patient', { _id: patientId, _revinclude: REVINCLUDES })) {
    patientResource ??= page.matches.find((r) => r.resourceType === 'Patient' && r.id === patientId);
    for (const resource of page.included) {
      if (!CLINICAL_TYPES.has(resource.resourceType)) continue;
      const parsed = TriggerResource.safeParse(resource);
      if (!parsed.success) {
        const field = fieldPath(parsed.error.issues[0]?.path ?? []);
        logger.warn({ patientId, resourceType: resource.resourceType, resourceId: resource.id, field }, 'Dropped malformed FHIR resource');
        continue;
      }
      // _revinclude promises this; checking keeps a server bug from putting another patient's data in a message.
      if (patientIdOf(parsed.data) !== patientId) {
        logger.warn(
          { patientId, resourceType: resource.resourceType, resourceId: resource.id },
          'Dropped FHIR resource of another subject',
        );
        continue;
      }
      clinical.set(referenceOf(parsed.data), parsed.data);
    }
  }

  if (!patientResource) return undefined;
  const patient = Patient.safeParse(patientResource);
  if (!patient.success) {
    const field = fieldPath(patient.error.issues[0]?.path ?? []);
    logger.warn({ patientId, field }, 'Malformed FHIR Patient; treating it as not found');
    return undefined;
  }

  const resources = [...clinical.values()].sort(newestFirst);
  return {
    patient: patient.data,
    conditions: resources.filter((r) => r.resourceType === 'Condition'),
    procedures: resources.filter((r) => r.resourceType === 'Procedure'),
    medications: resources.filter(
      (r): r is Medication => r.resourceType === 'MedicationRequest' || r.resourceType === 'MedicationStatement',
    ),
  };
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
