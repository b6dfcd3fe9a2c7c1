/**
 * `_include` and `_revinclude`, which MemoryRepository ignores. Included resources follow the page's matches,
 * once each, with `search.mode: "include"`.
 */
import type { SearchRequest, WithId } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { referenceValues } from './parameter-values.ts';
import type { ResourceStore } from './store.ts';

export function findIncludes(store: ResourceStore, page: WithId<Resource>[], request: SearchRequest): WithId<Resource>[] {
  // The store holds one object per resource, so identity stands for `Type/id` here.
  const seen = new Set(page);
  const included: WithId<Resource>[] = [];
  const include = (resource: WithId<Resource> | undefined): void => {
    if (resource && !seen.has(resource)) {
      seen.add(resource);
      included.push(resource);
    }
  };

  for (const target of request.include ?? []) {
    for (const match of page) {
      for (const reference of referenceValues(match, target.searchParam)) {
        const [resourceType = '', id = ''] = reference.split('/');
        if (!target.targetType || target.targetType === resourceType) {
          include(store.get(resourceType, id));
        }
      }
    }
  }
  const referenced = page.map((match) => ({ match, reference: `${match.resourceType}/${match.id}` }));
  for (const target of request.revInclude ?? []) {
    for (const { match, reference } of referenced) {
      if (!target.targetType || target.targetType === match.resourceType) {
        store.withKey(target.resourceType, target.searchParam, reference).forEach(include);
      }
    }
  }
  return included;
}
