/**
 * The narrow port the rest of careprompt uses to talk to a FHIR R4 server. The implementation
 * (fhir-kit-client, retries, timeouts) lives in client.ts; tests may pass a real server or msw.
 */
import type { ValueSetResource } from './value-set.ts';

export type SearchParams = Record<string, string | string[]>;

/** A resource as the server returned it; callers parse what they need with the schemas in resources.ts. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [field: string]: unknown;
}

export interface SearchPage {
  /** Resources with search.mode "match" (or no mode). */
  matches: FhirResource[];
  /** Resources the server added for _include/_revinclude (search.mode "include"). */
  included: FhirResource[];
  /**
   * Bundle.total, when the server gave it: the matches of the whole search, includes not counted. For a search
   * asked in parts (too long for one URL), the totals of the parts so far: the last page's counts them all.
   */
  total?: number;
  /** How many OperationOutcome entries (search.mode "outcome") the server added: warnings, e.g. results cut short. */
  outcomes?: number;
}

export interface ConditionalCreateResult {
  id: string;
  /** false when the server already had a resource with that identifier (If-None-Exist hit). */
  created: boolean;
}

export interface FhirRequestCounts {
  searchPages: number;
  /** Reads, the CapabilityStatement and every page of a `ValueSet/$expand`. */
  reads: number;
  creates: number;
}

export interface FhirGateway {
  /** Yields every page of a search, following `next` links until the server has no more. */
  searchPages(resourceType: string, params: SearchParams): AsyncIterable<SearchPage>;
  /** Reads one resource; undefined when the server says 404/410. */
  read(resourceType: string, id: string): Promise<FhirResource | undefined>;
  /** POST with If-None-Exist: `identifier=<system>|<value>`, so a retry returns the resource already made. */
  createIfNoneExist(resource: FhirResource, identifier: { system: string; value: string }): Promise<ConditionalCreateResult>;
  /**
   * `ValueSet/$expand?url=…`: the server's expansion of the value set with that canonical URL, every page of it
   * (`offset`/`count`, until `expansion.total`) joined in `expansion.contains`. Throws FhirRequestError (404 for a
   * value set the server does not know) or FhirDataError.
   */
  expandValueSet(url: string): Promise<ValueSetResource>;
  /** The server's CapabilityStatement (`GET <base>/metadata`), as sent: whoever asks judges what it says. */
  capabilities(): Promise<unknown>;
  /** Requests made so far, by kind (for run summaries and benchmarks). */
  counts(): FhirRequestCounts;
}
