/**
 * Type-level search over HTTP (GET `/{type}?…` and POST `/{type}/_search`): refuses what cannot be answered,
 * searches, and adds the paging links.
 */
import { badRequest, isResourceType, OperationOutcomeError, parseSearchRequest } from '@medplum/core';
import type { FhirRepository } from '@medplum/fhir-router';
import type { Bundle } from '@medplum/fhirtypes';
import type { IncludeCap } from './include-cap.ts';
import { pageOf, pagingLinks } from './paging.ts';
import { assertKnownModifiers } from './search-validation.ts';

/** `searchUrl` is `{base}/{type}?{parameters}`, also for POST, so the links built from it work as GETs. */
export async function searchEndpoint(repo: FhirRepository, resourceType: string, searchUrl: URL, includeCap?: IncludeCap): Promise<Bundle> {
  if (!isResourceType(resourceType)) {
    throw new OperationOutcomeError(badRequest(`Unknown resource type '${resourceType}'`));
  }
  assertKnownModifiers(searchUrl.searchParams);
  const request = parseSearchRequest(searchUrl);
  const bundle = await repo.search(request);
  includeCap?.assertWithin(bundle);
  return { ...bundle, link: pagingLinks(searchUrl, pageOf(request), bundle.total ?? 0) };
}
