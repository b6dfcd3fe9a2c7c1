/** The server's `/metadata`: the resource types careprompt uses and the search parameters each answers. */
import { getSearchParameters } from '@medplum/core';
import type { CapabilityStatement } from '@medplum/fhirtypes';

const RESOURCE_TYPES = ['Patient', 'Condition', 'Procedure', 'MedicationRequest', 'MedicationStatement', 'Communication'] as const;
const MATCHABLE_TYPES = new Set(['token', 'reference', 'string', 'uri', 'date']);
const INTERACTIONS = ['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type'] as const;

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
          conditionalCreate: true,
          searchParam: Object.values(getSearchParameters(type) ?? {})
            .filter((searchParam) => MATCHABLE_TYPES.has(searchParam.type))
            .map((searchParam) => ({ name: searchParam.code, type: searchParam.type })),
        })),
      },
    ],
  };
}
