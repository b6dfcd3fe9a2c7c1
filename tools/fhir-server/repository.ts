/**
 * Medplum's MemoryRepository with what a test server needs on top: validation on every write (it has none), and
 * every write mirrored into the wrapper's store so searches, includes and conditional creates use its indexes.
 * Updates and patches reach `createResource` too, so one override covers every write.
 */
import { deepClone, type SearchRequest, validateResource, type WithId } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { searchStore } from './search.ts';
import type { ResourceStore } from './store.ts';

export class IndexedMemoryRepository extends MemoryRepository {
  constructor(private readonly store: ResourceStore) {
    super();
  }

  override async createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    validateResource(resource);
    const stored = await super.createResource(resource);
    this.store.put(stored);
    // The store keeps `stored`; callers get their own copy to change.
    return deepClone(stored);
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    await super.deleteResource(resourceType, id);
    this.store.remove(resourceType, id);
  }

  /** Results share the store's objects: they are serialized, never changed. */
  override async search<T extends Resource>(request: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    return searchStore(this.store, request) as Bundle<WithId<T>>;
  }
}
