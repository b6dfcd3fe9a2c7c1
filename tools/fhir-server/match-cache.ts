/**
 * Remembers the full, ordered match list of searches that span several pages, so pages after the first are a
 * slice instead of a new scan. Any write to a type drops that type's entries: a cached list is never stale.
 */
import type { WithId } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

/** Per type, enough for the few campaigns polling at once; the oldest entry goes first. */
const ENTRIES_PER_TYPE = 16;

export class MatchCache {
  private readonly byType = new Map<string, Map<string, WithId<Resource>[]>>();

  get(resourceType: string, queryKey: string): WithId<Resource>[] | undefined {
    return this.byType.get(resourceType)?.get(queryKey);
  }

  set(resourceType: string, queryKey: string, matches: WithId<Resource>[]): void {
    let entries = this.byType.get(resourceType);
    if (!entries) {
      entries = new Map();
      this.byType.set(resourceType, entries);
    }
    entries.set(queryKey, matches);
    if (entries.size > ENTRIES_PER_TYPE) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) {
        entries.delete(oldest);
      }
    }
  }

  invalidate(resourceType: string): void {
    this.byType.delete(resourceType);
  }
}
