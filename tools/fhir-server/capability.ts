/**
 * The server's `/metadata`: the resource types careprompt uses (ValueSet with `$expand`), the search parameters each answers (those
 * search-validation.ts lets through), and the `_include` / `_revinclude` targets includes.ts follows (any
 * reference parameter, here those between the listed types).
 */
import { getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, SearchParameter } from '@medplum/fhirtypes';
import { TRIGGER_RESOURCE_TYPES } from '../../src/triggers/index.ts';

// Every trigger type careprompt knows is offered, so a new trigger module is served without editing this file.
const RESOURCE_TYPES = ['Patient', ...TRIGGER_RESOURCE_TYPES, 'Consent', 'Communication', 'ValueSet'] as const;
const MATCHABLE_TYPES = new Set(['token', 'reference', 'string', 'uri', 'date']);
const INTERACTIONS = ['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type'] as const;
const EXPAND = { name: 'expand', definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand' };

export function capabilityStatement(): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'careprompt in-memory FHIR server' },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        resource: RESOURCE_TYPES.map((type) => ({
          type,
          interaction: INTERACTIONS.map((code) => ({ code })),
          // The router answers If-None-Exist for any type; http.ts makes the search and the create one step.
          conditionalCreate: true,
          searchParam: searchParametersOf(type)
            .filter((searchParam) => MATCHABLE_TYPES.has(searchParam.type))
            .map((searchParam) => ({ name: searchParam.code, type: searchParam.type })),
          searchInclude: referencesFrom(type).map((searchParam) => `${type}:${searchParam.code}`),
          searchRevInclude: RESOURCE_TYPES.flatMap((source) =>
            referencesFrom(source)
              .filter((searchParam) => searchParam.target?.includes(type))
              .map((searchParam) => `${source}:${searchParam.code}`),
          ),
          // expand-endpoint.ts: from the ValueSets stored here.
          ...(type === 'ValueSet' ? { operation: [EXPAND] } : {}),
        })),
      },
    ],
  };
}

function searchParametersOf(type: string): SearchParameter[] {
  return Object.values(getSearchParameters(type) ?? {});
}

/** The reference parameters of a type whose targets include one of the listed types. */
function referencesFrom(type: string): SearchParameter[] {
  return searchParametersOf(type).filter(
    (searchParam) =>
      searchParam.type === 'reference' && searchParam.target?.some((target) => (RESOURCE_TYPES as readonly string[]).includes(target)),
  );
}
