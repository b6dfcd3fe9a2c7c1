/**
 * Answers a parsed search from the store. Medplum's matcher (compiled once per search, see matcher.ts) decides
 * what matches; the wrapper chooses which resources it looks at (an index when a filter allows one, else the whole
 * type), keeps multi-page answers in the match cache and adds includes.
 */
import { type Filter, Operator, type SearchRequest, splitSearchOnComma, type WithId } from '@medplum/core';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { findIncludes } from './includes.ts';
import { compileMatcher } from './matcher.ts';
import { pageOf } from './paging.ts';
import { indexKeyForSearchValue } from './parameter-index.ts';
import { assertSupportedSearch } from './search-validation.ts';
import type { ResourceStore } from './store.ts';

export function searchStore(store: ResourceStore, request: SearchRequest): Bundle<WithId<Resource>> {
  assertSupportedSearch(request);
  const { offset, count } = pageOf(request);
  const matches = findMatches(store, request, offset + count);
  const page = matches.slice(offset, offset + count);
  const entry: BundleEntry<WithId<Resource>>[] = [
    ...page.map((resource) => ({ resource, search: { mode: 'match' as const } })),
    ...findIncludes(store, page, request).map((resource) => ({ resource, search: { mode: 'include' as const } })),
  ];
  return { resourceType: 'Bundle', type: 'searchset', total: matches.length, ...(entry.length ? { entry } : {}) };
}

function findMatches(store: ResourceStore, request: SearchRequest, pageEnd: number): WithId<Resource>[] {
  const queryKey = JSON.stringify(request.filters ?? []);
  const cached = store.matchCache.get(request.resourceType, queryKey);
  if (cached) {
    return cached;
  }
  const indexed = indexedCandidates(store, request);
  // Every resource an index gives holds a value of its filter, so only the other filters are tested.
  const matchesRequest = compileMatcher(request, indexed?.filter);
  const candidates = indexed?.candidates ?? store.all(request.resourceType);
  const matches: WithId<Resource>[] = [];
  for (const resource of candidates) {
    if (matchesRequest(resource)) {
      matches.push(resource);
    }
  }
  // Only answers with pages still to come are worth keeping: later pages are what the cache is for.
  if (matches.length > pageEnd) {
    store.matchCache.set(request.resourceType, queryKey, matches);
  }
  return matches;
}

interface IndexedCandidates {
  candidates: WithId<Resource>[];
  /** The filter the index answered. */
  filter: Filter;
}

/** The smallest candidate list any one equality filter can give from an index; undefined means scan the type. */
function indexedCandidates(store: ResourceStore, request: SearchRequest): IndexedCandidates | undefined {
  let smallest: IndexedCandidates | undefined;
  for (const filter of request.filters ?? []) {
    const candidates = candidatesForFilter(store, request.resourceType, filter);
    if (candidates && (!smallest || candidates.length < smallest.candidates.length)) {
      smallest = { candidates, filter };
    }
  }
  return smallest;
}

function candidatesForFilter(store: ResourceStore, resourceType: string, filter: Filter): WithId<Resource>[] | undefined {
  if (filter.operator !== Operator.EQUALS) {
    return undefined;
  }
  const values = splitSearchOnComma(filter.value);
  if (filter.code === '_id') {
    return values.flatMap((id) => store.get(resourceType, id) ?? []);
  }
  const keys: string[] = [];
  for (const value of values) {
    const key = indexKeyForSearchValue(resourceType, filter.code, value);
    if (key === undefined) {
      return undefined;
    }
    keys.push(key);
  }
  // A resource holding several of the values must still appear once.
  return [...new Set(keys.flatMap((key) => [...store.withKey(resourceType, filter.code, key)]))];
}
