/** How a trigger's codes, statuses and due window become the search parameters of one poll (pure). */
import type { SearchParams } from '../fhir/gateway.ts';
import { type TriggerResourceType, triggerTypeOf } from './registry.ts';

/** The range of clinical dates a search asks for; either bound may be open. */
export interface DueWindow {
  from?: Date | undefined;
  to?: Date | undefined;
}

/**
 * The code parameter (the type's, or the one its codes call for) and the status parameter as comma-separated ORs, and the window as `ge`/`le` bounds on the type's date
 * parameter; a type without one (Condition) is searched without the window.
 */
export function triggerSearchParams(
  trigger: { resource: TriggerResourceType; codes: readonly string[]; status: readonly string[] },
  window: DueWindow,
): SearchParams {
  const names = triggerTypeOf({ resourceType: trigger.resource }).search;
  const codeParameter = codeParameterOf(trigger.resource, trigger.codes);
  return {
    ...(codeParameter ? { [codeParameter]: trigger.codes.join(',') } : {}),
    // No statuses: any status (a criterion's change search; eligibility judges the status).
    ...(trigger.status.length > 0 ? { [names.status]: trigger.status.join(',') } : {}),
    ...(names.date ? dateRange(names.date, window) : {}),
  };
}

/** The parameter these codes are searched with: the type's, or the one its codes call for; undefined when none fits them all. */
export function codeParameterOf(resource: TriggerResourceType, codes: readonly string[]): string | undefined {
  const type = triggerTypeOf({ resourceType: resource });
  return type.codeParameterFor ? type.codeParameterFor(codes) : type.search.code;
}

function dateRange(param: string, { from, to }: DueWindow): SearchParams {
  const bounds = [...(from ? [`ge${from.toISOString()}`] : []), ...(to ? [`le${to.toISOString()}`] : [])];
  return bounds.length === 0 ? {} : { [param]: bounds.length === 1 ? (bounds[0] as string) : bounds };
}
