/** What the strict modes did, for tests that assert a mode fired (or that one token served many requests). */
export interface StrictStats {
  /** Requests refused with 414: their URL was longer than the server takes. */
  uriTooLong: number;
  tokensIssued: number;
  tokenRequestsRefused: number;
  /** FHIR requests refused with 401. */
  unauthorized: number;
  /** Searches refused with 400 by the include cap. */
  includeCapped: number;
  /** Conditional creates refused with 409. */
  conflicts: number;
  /** Requests refused with 429. */
  throttled: number;
  /** Requests admitted with the window's last interaction: their answer announced the quota spent (`r=0`). */
  quotaSpent: number;
}

export function emptyStrictStats(): StrictStats {
  return {
    uriTooLong: 0,
    tokensIssued: 0,
    tokenRequestsRefused: 0,
    unauthorized: 0,
    includeCapped: 0,
    conflicts: 0,
    throttled: 0,
    quotaSpent: 0,
  };
}
