/**
 * A budget of requests per second to one FHIR server, shared by every process that talks to it. The gateway
 * awaits `take()` before each request attempt (searches, next pages, reads, creates and their retries).
 * Implementations: redis-request-budget.ts (shared through Redis). Without a budget the gateway sends at once.
 */
export interface RequestBudget {
  /** Resolves when one more request may go out. */
  take(): Promise<void>;
}

/**
 * The name under which processes share a server's budget: its origin and path, so every process pointed at the
 * same base URL shares one budget whatever its queue prefix, and credentials or a query never reach Redis.
 * `https://EHR.example:443/fhir/` and `https://ehr.example/fhir` are one server.
 */
export function budgetKeyOf(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `careprompt:fhir-budget:${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The spacing between two requests at `maxPerSecond`, in whole microseconds, rounded up: requests this far apart
 * keep every one-second window, however it is aligned, within the budget.
 */
export function spacingMicros(maxPerSecond: number): number {
  if (!(maxPerSecond > 0) || !Number.isFinite(maxPerSecond))
    throw new RangeError(`maxPerSecond must be a positive number, got ${maxPerSecond}`);
  return Math.ceil(1_000_000 / maxPerSecond);
}
