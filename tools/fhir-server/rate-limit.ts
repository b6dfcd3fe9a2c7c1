/**
 * A budget of FHIR interactions per fixed window, announced on every response the way Medplum does it, in the
 * IETF httpapi-ratelimit-headers draft form: `RateLimit: "fhirInteractions";r=<remaining>;t=<seconds to reset>`.
 * A throttled request gets 429 with the same header and no Retry-After. The window starts at the first request
 * after the previous one ended.
 */
const POLICY = 'fhirInteractions';

export interface RateLimitDecision {
  allowed: boolean;
  /** Interactions left in the window after this one. */
  remaining: number;
  headers: Record<string, string>;
}

export class FixedWindowRateLimit {
  private windowEnd = 0;
  private used = 0;
  private readonly policyHeader: string;

  constructor(
    private readonly interactions: number,
    private readonly windowSeconds: number,
    private readonly now: () => number,
  ) {
    this.policyHeader = `"${POLICY}";q=${interactions};w=${windowSeconds}`;
  }

  /** Spends one interaction, or finds the budget spent. */
  take(): RateLimitDecision {
    const now = this.now();
    if (now >= this.windowEnd) {
      this.windowEnd = now + this.windowSeconds * 1000;
      this.used = 0;
    }
    const allowed = this.used < this.interactions;
    if (allowed) {
      this.used += 1;
    }
    const remaining = this.interactions - this.used;
    const resetSeconds = Math.ceil((this.windowEnd - now) / 1000);
    return {
      allowed,
      remaining,
      headers: { ratelimit: `"${POLICY}";r=${remaining};t=${resetSeconds}`, 'ratelimit-policy': this.policyHeader },
    };
  }
}
