/**
 * The medication of a MedicationRequest or MedicationStatement: `medicationCodeableConcept`, or a Medication
 * contained in the resource and referenced as `#id` (then its code, and its ingredients for the name templates
 * show). A Medication referenced elsewhere on the server is not read: its code is unknown here.
 */
import { z } from 'zod';
import { CodeableConcept, Reference } from '../fhir/datatypes.ts';

export const MedicationFields = {
  medicationCodeableConcept: CodeableConcept.optional(),
  medicationReference: Reference.optional(),
  contained: z.array(z.looseObject({ resourceType: z.string(), id: z.string().optional() })).optional(),
};

const ContainedMedication = z.looseObject({
  resourceType: z.literal('Medication'),
  id: z.string(),
  code: CodeableConcept.optional(),
  ingredient: z.array(z.looseObject({ itemCodeableConcept: CodeableConcept.optional() })).optional(),
});

interface MedicationResource {
  medicationCodeableConcept?: CodeableConcept | undefined;
  medicationReference?: Reference | undefined;
  contained?: Array<{ resourceType: string; id?: string | undefined }> | undefined;
}

function containedMedication(resource: MedicationResource): z.infer<typeof ContainedMedication> | undefined {
  const reference = resource.medicationReference?.reference;
  if (!reference?.startsWith('#')) return undefined;
  const found = resource.contained?.find((entry) => entry.resourceType === 'Medication' && entry.id === reference.slice(1));
  const parsed = ContainedMedication.safeParse(found);
  return parsed.success ? parsed.data : undefined;
}

export function medicationConceptOf(resource: MedicationResource): CodeableConcept | undefined {
  return resource.medicationCodeableConcept ?? containedMedication(resource)?.code;
}

/** The ingredients a contained Medication lists (none for a coded medication: its name comes from its codings). */
export function medicationIngredientsOf(resource: MedicationResource): CodeableConcept[] {
  return (containedMedication(resource)?.ingredient ?? []).flatMap((entry) =>
    entry.itemCodeableConcept ? [entry.itemCodeableConcept] : [],
  );
}
