/**
 * `GET /ValueSet/$expand?url=…`: the expansion of a ValueSet stored here, taken from its own `expansion` when it
 * has one, else from the codes its `compose.include[].concept` lists (this server holds no code systems, so
 * filters and imported value sets are refused). `offset` and `count` page it as the operation defines.
 */
import { badRequest, notFound, OperationOutcomeError, parseSearchRequest } from '@medplum/core';
import type { FhirRepository } from '@medplum/fhir-router';
import type { ValueSet, ValueSetExpansionContains } from '@medplum/fhirtypes';

export const EXPAND_PATH = '/ValueSet/$expand';

export async function expandEndpoint(repo: FhirRepository, url: URL): Promise<ValueSet> {
  const canonical = url.searchParams.get('url');
  if (!canonical) throw new OperationOutcomeError(badRequest('$expand needs url: the canonical URL of a ValueSet', 'url'));
  const offset = pagingParameter(url, 'offset') ?? 0;
  const count = pagingParameter(url, 'count');
  const found = await repo.search<ValueSet>(parseSearchRequest(`ValueSet?url=${encodeURIComponent(canonical)}`));
  const valueSet = found.entry?.[0]?.resource;
  if (!valueSet) {
    const issue = { severity: 'error' as const, code: 'not-found' as const, details: { text: `No ValueSet has url ${canonical}` } };
    throw new OperationOutcomeError({ ...notFound, issue: [issue] });
  }
  const concepts = conceptsOf(valueSet);
  const { compose: _definition, expansion, ...described } = valueSet;
  return {
    ...described,
    expansion: {
      identifier: expansion?.identifier ?? `urn:careprompt:expansion:${valueSet.id}:${valueSet.meta?.versionId ?? '1'}`,
      timestamp: expansion?.timestamp ?? valueSet.meta?.lastUpdated ?? new Date().toISOString(),
      total: concepts.length,
      offset,
      contains: concepts.slice(offset, count === undefined ? undefined : offset + count),
    },
  };
}

function pagingParameter(url: URL, name: 'offset' | 'count'): number | undefined {
  const text = url.searchParams.get(name);
  if (text === null) return undefined;
  if (!/^\d+$/.test(text)) throw new OperationOutcomeError(badRequest(`${name} must be a whole number of 0 or more`, name));
  return Number(text);
}

/** The stored expansion's entries (nested ones kept under their parent), or one entry per listed concept. */
function conceptsOf(valueSet: ValueSet): ValueSetExpansionContains[] {
  if (valueSet.expansion) return valueSet.expansion.contains ?? [];
  return (valueSet.compose?.include ?? []).flatMap((include, index) => {
    if (!include.system || !include.concept || include.filter?.length || include.valueSet?.length) {
      const expression = `ValueSet.compose.include[${index}]`;
      throw new OperationOutcomeError(
        badRequest(`${expression} needs system and concept: this server cannot apply filters or imports`, expression),
      );
    }
    const { system, version } = include;
    return include.concept.map(({ code, display }) => ({ system, ...(version ? { version } : {}), code, ...(display ? { display } : {}) }));
  });
}
