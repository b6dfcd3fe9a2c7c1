/**
 * The wrapper's view of the current version of every resource, with the indexes and match cache that make search
 * fast. MemoryRepository keeps its own copies (for reads and history) but hides them, so the repository feeds
 * every write here as well.
 */
import type { WithId } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { MatchCache } from './match-cache.ts';
import { ParameterIndexes } from './parameter-index.ts';

export class ResourceStore {
  private readonly byType = new Map<string, Map<string, WithId<Resource>>>();
  private readonly indexes = new ParameterIndexes();
  readonly matchCache = new MatchCache();

  put(resource: WithId<Resource>): void {
    const resources = this.resourcesOfType(resource.resourceType);
    const previous = resources.get(resource.id);
    if (previous) {
      this.indexes.remove(previous);
    }
    resources.set(resource.id, resource);
    this.indexes.add(resource);
    this.matchCache.invalidate(resource.resourceType);
  }

  remove(resourceType: string, id: string): void {
    const resources = this.resourcesOfType(resourceType);
    const previous = resources.get(id);
    if (previous) {
      this.indexes.remove(previous);
      resources.delete(id);
      this.matchCache.invalidate(resourceType);
    }
  }

  get(resourceType: string, id: string): WithId<Resource> | undefined {
    return this.byType.get(resourceType)?.get(id);
  }

  /** In insertion order, which is what keeps offset paging stable. */
  all(resourceType: string): Iterable<WithId<Resource>> {
    return this.byType.get(resourceType)?.values() ?? [];
  }

  /** Resources whose `code` parameter holds the index key (see parameter-index.ts). */
  withKey(resourceType: string, code: string, key: string): ReadonlySet<WithId<Resource>> {
    return this.indexes.withKey(resourceType, code, key, () => this.all(resourceType));
  }

  private resourcesOfType(resourceType: string): Map<string, WithId<Resource>> {
    let resources = this.byType.get(resourceType);
    if (!resources) {
      resources = new Map();
      this.byType.set(resourceType, resources);
    }
    return resources;
  }
}
