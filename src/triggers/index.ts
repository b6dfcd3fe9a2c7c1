/** What other folders may use from src/triggers: the registry, the trigger resources, their evidence and search. */
export { Condition } from './condition.ts';
export { Encounter } from './encounter.ts';
export { type Evidence, evidenceOf, reasonOf } from './evidence.ts';
export { MedicationRequest } from './medication-request.ts';
export { MedicationStatement } from './medication-statement.ts';
export { Observation } from './observation.ts';
export { Procedure } from './procedure.ts';
export {
  type AnyTriggerType,
  clinicalDateOf,
  codingsOf,
  findTriggerType,
  ingredientsOf,
  isListedIn,
  isLoadedByCode,
  LISTED_RESOURCE_TYPES,
  searchParameterNamesOf,
  statusesOf,
  statusOf,
  TRIGGER_RESOURCE_TYPES,
  TriggerResource,
  type TriggerResourceType,
  triggerTypeOf,
  untrustedBecause,
} from './registry.ts';
export { codeParameterOf, type DueWindow, triggerSearchParams } from './search-params.ts';
export type { TemplateList, TriggerSearchParameterNames } from './trigger-type.ts';
