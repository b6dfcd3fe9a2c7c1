/**
 * Medplum refuses a search whose answer (the page's matches plus what `_include`/`_revinclude` add) holds more
 * than 1,000 entries, with 400 and this text. Included entries are never paged, so a single patient with a long
 * chart reaches the cap alone. The check counts the entries the search has already built.
 */
import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Bundle } from '@medplum/fhirtypes';
import type { StrictStats } from './strict-stats.ts';

export class IncludeCap {
  constructor(
    private readonly maxResults: number,
    private readonly stats: StrictStats,
  ) {}

  assertWithin(bundle: Bundle): void {
    const results = bundle.entry?.length ?? 0;
    if (results > this.maxResults && bundle.entry?.some((entry) => entry.search?.mode === 'include')) {
      this.stats.includeCapped += 1;
      throw new OperationOutcomeError(badRequest(`Search with _(rev)include reached query scope limit: depth=1, results=${results}`));
    }
  }
}
