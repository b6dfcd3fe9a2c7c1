/**
 * Exact-value indexes for token (`system|value`) and reference (`Type/id`) search parameters. One is built for a
 * (type, parameter) the first time a search can use it and kept current on every write after, so conditional
 * create by identifier, `subject=Patient/x` and `_revinclude` cost the size of their answer, not a scan of the
 * type (a scan was ~155 ms per conditional create at 21,000 Communications).
 */
import { getSearchParameter, type WithId } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { referenceValues, systemTokenKey, systemTokenKeys } from './parameter-values.ts';

/**
 * Index key -> the resources holding it (the store's current objects, so a hit needs no second lookup). A write
 * removes the previous object and adds the new one, so the order is that of the last write.
 */
type ValueIndex = Map<string, Set<WithId<Resource>>>;

const NONE: ReadonlySet<WithId<Resource>> = new Set();

export class ParameterIndexes {
  private readonly byType = new Map<string, Map<string, ValueIndex>>();

  /** Resources whose `code` parameter holds `key`; `resourcesOfType` feeds the index the first time it is asked for. */
  withKey(
    resourceType: string,
    code: string,
    key: string,
    resourcesOfType: () => Iterable<WithId<Resource>>,
  ): ReadonlySet<WithId<Resource>> {
    return this.indexFor(resourceType, code, resourcesOfType).get(key) ?? NONE;
  }

  add(resource: WithId<Resource>): void {
    for (const [code, index] of this.byType.get(resource.resourceType) ?? []) {
      addKeys(index, resource, code);
    }
  }

  /** `resource` must be the object that was added. */
  remove(resource: WithId<Resource>): void {
    for (const [code, index] of this.byType.get(resource.resourceType) ?? []) {
      for (const key of indexKeys(resource, code)) {
        index.get(key)?.delete(resource);
      }
    }
  }

  private indexFor(resourceType: string, code: string, resourcesOfType: () => Iterable<WithId<Resource>>): ValueIndex {
    let indexes = this.byType.get(resourceType);
    if (!indexes) {
      indexes = new Map();
      this.byType.set(resourceType, indexes);
    }
    let index = indexes.get(code);
    if (!index) {
      index = new Map();
      for (const resource of resourcesOfType()) {
        addKeys(index, resource, code);
      }
      indexes.set(code, index);
    }
    return index;
  }
}

/** The index key a search value maps to, or undefined when that value cannot be answered from an index. */
export function indexKeyForSearchValue(resourceType: string, code: string, searchValue: string): string | undefined {
  switch (getSearchParameter(resourceType, code)?.type) {
    case 'reference':
      return searchValue.includes('/') ? searchValue : undefined;
    case 'token': {
      // Split as Medplum's matcher does, so the index agrees with it on odd values.
      const [system, value] = searchValue.split('|');
      return system && value ? systemTokenKey(system, value) : undefined;
    }
    default:
      return undefined;
  }
}

function indexKeys(resource: Resource, code: string): string[] {
  return getSearchParameter(resource.resourceType, code)?.type === 'reference'
    ? referenceValues(resource, code)
    : systemTokenKeys(resource, code);
}

function addKeys(index: ValueIndex, resource: WithId<Resource>, code: string): void {
  for (const key of indexKeys(resource, code)) {
    let resources = index.get(key);
    if (!resources) {
      resources = new Set();
      index.set(key, resources);
    }
    resources.add(resource);
  }
}
