/**
 * Offset paging. Medplum's bundles carry no links, and fhir-kit-client's `nextPage()` follows the `next` link
 * only, so the wrapper adds `self`, `next` and `previous` built from the request's own parameters.
 */
import { DEFAULT_MAX_SEARCH_COUNT, DEFAULT_SEARCH_COUNT, type SearchRequest } from '@medplum/core';
import type { BundleLink } from '@medplum/fhirtypes';

export interface Page {
  offset: number;
  /** 0 for `_summary=count`: the total only. */
  count: number;
}

export function pageOf(request: SearchRequest): Page {
  return {
    offset: request.offset ?? 0,
    count: Math.min(request.count ?? DEFAULT_SEARCH_COUNT, DEFAULT_MAX_SEARCH_COUNT),
  };
}

/** `searchUrl` is the search as the client sent it (for POST _search, its parameters as a query string). */
export function pagingLinks(searchUrl: URL, page: Page, total: number): BundleLink[] {
  const links: BundleLink[] = [{ relation: 'self', url: searchUrl.toString() }];
  if (page.count === 0) {
    return links;
  }
  if (page.offset + page.count < total) {
    links.push({ relation: 'next', url: pageUrl(searchUrl, page.offset + page.count, page.count) });
  }
  if (page.offset > 0) {
    links.push({ relation: 'previous', url: pageUrl(searchUrl, Math.max(0, page.offset - page.count), page.count) });
  }
  return links;
}

function pageUrl(searchUrl: URL, offset: number, count: number): string {
  const url = new URL(searchUrl);
  url.searchParams.set('_offset', String(offset));
  url.searchParams.set('_count', String(count));
  return url.toString();
}
