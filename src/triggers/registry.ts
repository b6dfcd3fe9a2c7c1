/**
 * The registry of trigger types: every resource type a campaign can trigger on, each with its module. The rest
 * of careprompt reads trigger knowledge only through here (and index.ts), so a new type (Observation) is one
 * module and one line in TRIGGER_TYPES.
 */
import { z } from 'zod';
import type { CodeableConcept, Coding } from '../fhir/datatypes.ts';
import { condition } from './condition.ts';
import { encounter } from './encounter.ts';
import { medicationRequest } from './medication-request.ts';
import { medicationStatement } from './medication-statement.ts';
import { observation } from './observation.ts';
import { procedure } from './procedure.ts';
import type { TemplateList, TriggerSearchParameterNames, TriggerType } from './trigger-type.ts';

const TRIGGER_TYPES = [condition, procedure, medicationRequest, medicationStatement, observation, encounter] as const;

const [first, ...rest] = TRIGGER_TYPES;
/** A resource that can trigger a campaign, told apart by its resourceType. */
export const TriggerResource = z.discriminatedUnion('resourceType', [first.schema, ...rest.map((type) => type.schema)]);
export type TriggerResource = z.infer<typeof TriggerResource>;
export type TriggerResourceType = TriggerResource['resourceType'];
/** Any one trigger type, to be handed only resources of its own type. */
export type AnyTriggerType = TriggerType<(typeof TRIGGER_TYPES)[number]['schema']>;

/**
 * The resource types campaigns can trigger on, in registry order; a patient's context loads its records of
 * each (they are what templates list and what a prompt can be about).
 */
export const TRIGGER_RESOURCE_TYPES: readonly TriggerResourceType[] = TRIGGER_TYPES.map((type) => type.resourceType);

/** The types whose records templates list (conditions, medications, procedures): every context loads them. */
export const LISTED_RESOURCE_TYPES: readonly TriggerResourceType[] = TRIGGER_TYPES.filter((type) => type.template !== undefined).map(
  (type) => type.resourceType,
);

const BY_TYPE = new Map<string, AnyTriggerType>(TRIGGER_TYPES.map((type) => [type.resourceType, type]));

/** The trigger type of this resource type, or undefined when campaigns cannot trigger on it. */
export function findTriggerType(resourceType: string): AnyTriggerType | undefined {
  return BY_TYPE.get(resourceType);
}

/** The trigger type of a resource the registry's schema parsed (every such type has one). */
export function triggerTypeOf(resource: { resourceType: TriggerResourceType }): AnyTriggerType {
  const type = BY_TYPE.get(resource.resourceType);
  if (!type) throw new Error(`No trigger type is registered for ${resource.resourceType}`);
  return type;
}

/** The status codes a resource of this type can have (a Condition's clinicalStatus codes). */
export function statusesOf(resourceType: TriggerResourceType): readonly string[] {
  return triggerTypeOf({ resourceType }).statuses;
}

/** Whether a context loads this type's records by the codes its campaigns read, not whole (Observations). */
export function isLoadedByCode(resourceType: TriggerResourceType): boolean {
  return triggerTypeOf({ resourceType }).loadedByCode === true;
}

/** The search parameter names a poll of this type sends, by role. */
export function searchParameterNamesOf(resourceType: TriggerResourceType): Readonly<TriggerSearchParameterNames> {
  return triggerTypeOf({ resourceType }).search;
}

/** What the resource is about: the code of a Condition, Procedure or Observation, a medicine, an Encounter's class and types. */
export function codingsOf(resource: TriggerResource): Coding[] {
  return triggerTypeOf(resource).conceptOf(resource)?.coding ?? [];
}

/** A medicine's listed ingredients (`[]` if none are listed), or undefined for what is not a medicine. */
export function ingredientsOf(resource: TriggerResource): CodeableConcept[] | undefined {
  return triggerTypeOf(resource).ingredientsOf(resource);
}

/** When it happened clinically (not when the record changed); FHIR dateTime text, possibly partial (`2024-03`). */
export function clinicalDateOf(resource: TriggerResource): string | undefined {
  return triggerTypeOf(resource).clinicalDateOf(resource);
}

/** `active`, `completed`, `resolved`…: a Condition's clinical status code, the others' status. */
export function statusOf(resource: TriggerResource): string | undefined {
  return triggerTypeOf(resource).statusOf(resource);
}

/** Why the resource is not the patient's (`verificationStatus refuted`), or undefined when it is. */
export function untrustedBecause(resource: TriggerResource): string | undefined {
  return triggerTypeOf(resource).untrustedBecause(resource);
}

/** Whether a record belongs in this template list: of a type that joins it, listed by its rules, and trusted. */
export function isListedIn(list: TemplateList, resource: TriggerResource): boolean {
  const { template } = triggerTypeOf(resource);
  return template !== undefined && template.list === list && template.listed(resource) && untrustedBecause(resource) === undefined;
}
