/**
 * The strict modes that are on, applied to each request before it reaches the FHIR handlers, in a real server's
 * order: the web server's limit on the URL's length (414), authentication (401), then the rate budget (429; every admitted response carries `RateLimit`), then the
 * injected 409 on conditional creates. The include cap applies inside search. Each mode costs a Map lookup or a
 * counter when it does not fire; with none on, `createStrictModes` gives undefined and requests skip all of this.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { tooManyRequests, unauthorized } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { AuthServer } from './auth/index.ts';
import { ConflictInjector, isConditionalCreate, SERIALIZATION_FAILURE } from './conflicts.ts';
import { IncludeCap } from './include-cap.ts';
import { FixedWindowRateLimit } from './rate-limit.ts';
import type { StrictOptions } from './strict-options.ts';
import { emptyStrictStats, type StrictStats } from './strict-stats.ts';

export interface Admission {
  /** Added to the response, admitted or refused. */
  headers: Record<string, string>;
  refusal?: OperationOutcome;
  /** The refusal's status when its OperationOutcome does not imply it (414). */
  status?: number;
}

const NO_HEADERS: Record<string, string> = {};
const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer' };
const URI_TOO_LONG: OperationOutcome = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'too-long', details: { text: 'URI Too Long' } }],
};

export class StrictModes {
  readonly auth?: AuthServer;
  readonly includeCap?: IncludeCap;
  private readonly rateLimit?: FixedWindowRateLimit;
  private readonly conflicts?: ConflictInjector;

  private readonly maxUrlLength?: number;

  constructor(
    options: StrictOptions,
    now: () => number,
    readonly stats: StrictStats,
  ) {
    this.maxUrlLength = options.maxUrlLength;
    this.auth = options.auth && new AuthServer(options.auth, now, stats);
    this.includeCap = options.includeCap === undefined ? undefined : new IncludeCap(options.includeCap, stats);
    this.rateLimit = options.rateLimit && new FixedWindowRateLimit(options.rateLimit.interactions, options.rateLimit.windowSeconds, now);
    this.conflicts = options.conflicts && new ConflictInjector(options.conflicts.share, options.conflicts.seed);
  }

  /** `target`: the request's path and query as sent. */
  admit(method: string, target: string, pathname: string, headers: IncomingHttpHeaders): Admission {
    if (this.maxUrlLength !== undefined && target.length > this.maxUrlLength) {
      this.stats.uriTooLong += 1;
      return { headers: NO_HEADERS, refusal: URI_TOO_LONG, status: 414 };
    }
    if (this.auth && !this.auth.admits(method, pathname, headers.authorization)) {
      this.stats.unauthorized += 1;
      return { headers: BEARER_CHALLENGE, refusal: unauthorized };
    }
    const budget = this.rateLimit?.take();
    const admitted = budget?.headers ?? NO_HEADERS;
    if (budget && !budget.allowed) {
      this.stats.throttled += 1;
      return { headers: admitted, refusal: tooManyRequests };
    }
    if (budget?.remaining === 0) this.stats.quotaSpent += 1;
    if (this.conflicts && isConditionalCreate(method, pathname, headers) && this.conflicts.strikes()) {
      this.stats.conflicts += 1;
      return { headers: admitted, refusal: SERIALIZATION_FAILURE };
    }
    return { headers: admitted };
  }
}

/** Undefined when every mode is off. */
export function createStrictModes(options: StrictOptions, now: () => number): StrictModes | undefined {
  const anyOn = Object.values(options).some((mode) => mode !== undefined);
  return anyOn ? new StrictModes(options, now, emptyStrictStats()) : undefined;
}
