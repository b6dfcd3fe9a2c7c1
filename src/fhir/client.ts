/**
 * FhirGateway over fhir-kit-client, adding what that library leaves to its callers: a timeout on every
 * request, retries of transient failures, a minimal check of search Bundles and named errors. The
 * conditional create, one per message sent, goes over a leaner HTTP path (see http.ts).
 *
 * Retrying inside the request covers blips (a 503 during a deploy, a dropped connection). Longer outages
 * surface as FhirTransientError after `maxAttempts`, and the job queue retries the whole job later.
 * A conditional create is safe to retry: If-None-Exist turns a repeat into a 200 with the same id.
 *
 * Every attempt carries the access token of that moment (auth/); a 401 renews it once per request, and the
 * request goes again with the new token, taking its budget slot and counted like any other.
 * Rate limits: a wait the server announces (Retry-After, or a RateLimit quota spent, on a 429 or on a success)
 * pauses every request of this gateway until then, so none is spent on a certain 429; a shared RequestBudget,
 * when given, is taken before every attempt.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as wait } from 'node:timers/promises';
import { Client, RESPONSE_KEY, type RequestOptions } from 'fhir-kit-client';
import { z } from 'zod';
import { type Logger, silentLogger } from '../log/index.ts';
import { type Instruments, NO_INSTRUMENTS } from '../metrics/index.ts';
import { type AccessTokens, authorizeRequest, NO_ACCESS_TOKENS, type RequestAuthorization } from './auth/index.ts';
import { FhirDataError, FhirRequestError, FhirTransientError } from './errors.ts';
import type { ConditionalCreateResult, FhirGateway, FhirRequestCounts, FhirResource, SearchPage, SearchParams } from './gateway.ts';
import { HttpBodyError, HttpStatusError, requestJson } from './http.ts';
import { transientNetworkError } from './network-failure.ts';
import { announcedWaitMs, type HeaderLookup } from './rate-limit.ts';
import type { RequestBudget } from './request-budget.ts';
import { isTransient, retryDelayMs } from './retry.ts';
import { splitSearch } from './search-split.ts';
import { ValueSetResource } from './value-set.ts';

const GatewayConfig = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }).describe('FHIR R4 base URL, e.g. https://ehr.example/fhir'),
  timeoutMs: z.int().positive().default(15_000).describe('Limit per attempt, reading the body included'),
  maxAttempts: z.int().min(1).default(4).describe('Attempts per request before a transient failure is thrown'),
  backoffBaseMs: z.int().nonnegative().default(500).describe('Ceiling of the first retry delay; doubles per retry'),
  backoffMaxMs: z
    .int()
    .nonnegative()
    .default(10_000)
    .describe('Longest wait between attempts; a longer Retry-After is left to the job queue'),
  pageSize: z.int().positive().default(500).describe("Sent as _count when the caller gives none, and as $expand's count"),
  maxQueryLength: z
    .int()
    .min(100)
    .default(7000)
    .describe("A longer search query is asked for in parts (its longest OR list cut), within the servers' 8 KB request line"),
  headers: z.record(z.string(), z.string()).default({}).describe('Sent with every request, e.g. Authorization'),
});

export type FhirGatewayOptions = z.input<typeof GatewayConfig> & {
  /** Waits between attempts; tests pass one that records the delay instead. Defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Dice for backoff jitter, in [0, 1). Defaults to Math.random. */
  random?: () => number;
  /** Receives one warning per retried attempt (ids and statuses only). Defaults to silent. */
  logger?: Logger;
  /** The bearer token of each request, fetched per attempt since it changes over time. Defaults to none. */
  accessTokens?: AccessTokens;
  /** Taken before every request attempt; by default none (requests go out at once). */
  budget?: RequestBudget;
  /** Now in ms since the epoch, for rate-limit waits; tests pass their own. Defaults to Date.now. */
  now?: () => number;
  /** Told of every request attempt (kind, status, latency), for the metrics. Defaults to none. */
  instruments?: Instruments;
};

/**
 * The longest a server's announced wait pauses this gateway's requests. A reset further away (or a bogus one)
 * is not trusted whole: after this long the next request asks again, and a 429 then sends the job to the queue.
 */
const PAUSE_MAX_MS = 60_000;

/** The request an error message names: `search Condition`, `read Patient/123`. */
interface Target {
  action: 'search' | 'next page of' | 'read' | 'create' | 'expand';
  resourceType: string;
  id?: string;
}

const GONE = new Set([404, 410]);

/** What one attempt brings back: the body, and the response's headers for rate-limit announcements. */
interface Answer<T> {
  body: T;
  header: HeaderLookup;
}

// What fhir-kit-client attaches to the error it throws for a non-2xx status or an unparseable body.
const HttpFailure = z.object({
  response: z.object({ status: z.number(), data: z.unknown() }),
  config: z.object({ headers: z.instanceof(Headers) }).optional(),
});

// Only what paging needs; each resource is parsed by whoever uses it.
const SearchBundle = z.looseObject({
  resourceType: z.literal('Bundle'),
  id: z.string().optional(),
  total: z.number().optional(),
  link: z.array(z.looseObject({ relation: z.string(), url: z.string() })).optional(),
  entry: z
    .array(
      z.looseObject({
        resource: z.looseObject({ resourceType: z.string(), id: z.string().optional() }),
        search: z.looseObject({ mode: z.enum(['match', 'include', 'outcome']).optional() }).optional(),
      }),
    )
    .optional(),
});
type SearchBundle = z.infer<typeof SearchBundle>;

const Identifiers = z.array(z.looseObject({ system: z.string().optional(), value: z.string().optional() }));
// A server answering Prefer: return=minimal sends no body, only Location.
const CreatedBody = z.looseObject({ id: z.string().optional() }).optional();

export function createFhirGateway(options: FhirGatewayOptions): FhirGateway {
  const config = Object.freeze(GatewayConfig.parse(options));
  const sleep = options.sleep ?? ((ms: number) => wait(ms));
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const accessTokens = options.accessTokens ?? NO_ACCESS_TOKENS;
  const now = options.now ?? Date.now;
  const client = new Client({ baseUrl: config.baseUrl, customHeaders: config.headers });
  const customHeaders = Object.fromEntries(Object.entries(config.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const baseOrigin = new URL(config.baseUrl).origin;
  const localPrefix = `${config.baseUrl.replace(/\/+$/, '')}/`;

  /**
   * A subject written as an absolute URL on this server becomes the relative reference it means. One on
   * another server stays absolute, so it never names a local patient who happens to share its id.
   */
  function localized(resource: FhirResource): FhirResource {
    const subject = resource.subject as { reference?: unknown } | undefined;
    if (typeof subject?.reference !== 'string' || !subject.reference.startsWith(localPrefix)) return resource;
    return { ...resource, subject: { ...subject, reference: subject.reference.slice(localPrefix.length) } };
  }
  const counts: FhirRequestCounts = { searchPages: 0, reads: 0, creates: 0 };
  let pausedUntil = 0;
  const instruments = options.instruments ?? NO_INSTRUMENTS;

  /** One attempt, reported to the metrics with its status (or `network` when no answer came). */
  async function observed<T>(target: Target, attempt: () => Promise<T>): Promise<T> {
    const kind = target.action === 'next page of' ? 'search' : target.action === 'expand' ? 'read' : target.action;
    const started = performance.now();
    const report = (status: string) => instruments.fhirRequest(kind, status, (performance.now() - started) / 1000);
    try {
      const answer = await attempt();
      report('2xx');
      return answer;
    } catch (error) {
      report(String(httpFailureOf(error)?.status ?? 'network'));
      throw error;
    }
  }

  /** Holds back this gateway's next requests for a wait the server announced. */
  function pauseFor(waitMs: number): void {
    const until = now() + Math.min(waitMs, PAUSE_MAX_MS);
    if (until <= pausedUntil) return;
    if (pausedUntil <= now()) logger.info({ waitMs }, 'FHIR server announced a rate-limit wait; pausing requests');
    pausedUntil = until;
  }

  /**
   * One request: attempts until it succeeds, fails for good or spends `maxAttempts` transient failures. Every
   * request sent, the retry with a token renewed after a 401 included, waits for its slot of the budget and is
   * counted; that retry is not a transient attempt (a revoked token is not the server's failure).
   */
  async function send<T>(
    kind: keyof FhirRequestCounts,
    target: Target,
    request: (headers: Record<string, string>) => Promise<Answer<T>>,
  ): Promise<T> {
    const authorization = authorizeRequest(accessTokens);
    let attempt = 1;
    for (;;) {
      const pauseMs = pausedUntil - now();
      if (pauseMs > 0) await sleep(pauseMs);
      let failure: Error | undefined;
      try {
        const headers = await authorization.headers();
        await options.budget?.take();
        counts[kind] += 1;
        const answer = await observed(target, () => request(headers));
        const waitMs = announcedWaitMs(answer.header, now());
        if (waitMs) pauseFor(waitMs);
        return answer.body;
      } catch (error) {
        failure =
          httpFailureOf(error)?.status === 401 ? await renewalFailure(authorization) : toFhirError(error, target, attempt, config, now());
      }
      // Renewed after a 401: the request again with the new token, which is not a transient attempt.
      if (failure === undefined) continue;
      if (!(failure instanceof FhirTransientError)) throw failure;
      if (failure.retryAfterMs !== undefined) pauseFor(failure.retryAfterMs);
      const delayMs =
        attempt < config.maxAttempts
          ? retryDelayMs(attempt, {
              baseMs: config.backoffBaseMs,
              maxMs: config.backoffMaxMs,
              retryAfterMs: failure.retryAfterMs,
              random,
            })
          : undefined;
      if (delayMs === undefined) throw failure;
      logger.warn(
        {
          fhirAction: target.action,
          resourceType: target.resourceType,
          resourceId: target.id,
          attempt,
          status: failure.status,
          delayMs,
        },
        'FHIR request failed transiently; retrying',
      );
      // A wait the server asked for is the pause above, which the next attempt honours; backoff is ours alone.
      if (failure.retryAfterMs === undefined) await sleep(delayMs);
      attempt += 1;
    }
  }

  function nextUrlOf(bundle: SearchBundle, visited: Set<string>): string | undefined {
    const index = bundle.link?.findIndex((link) => link.relation === 'next') ?? -1;
    const link = bundle.link?.[index];
    if (!link) return undefined;
    const problem = (expected: string) =>
      new FhirDataError({ resourceType: 'Bundle', resourceId: bundle.id, field: `link[${index}].url`, expected });
    if (!URL.canParse(link.url, config.baseUrl)) throw problem('a URL');
    const url = new URL(link.url, config.baseUrl);
    // Every request carries our headers (Authorization, later); they must not follow a link to another host.
    if (url.origin !== baseOrigin) throw problem(`a URL on ${baseOrigin}`);
    // A server that links back to a page already read would keep a poll paging forever.
    if (visited.has(url.href)) throw problem('a page not yet read in this search');
    visited.add(url.href);
    return url.href;
  }

  const withTimeout = (): RequestOptions => ({ signal: AbortSignal.timeout(config.timeoutMs) });

  function pageOf(bundle: SearchBundle, resourceType: string): SearchPage {
    const page: SearchPage = { matches: [], included: [] };
    let outcomes = 0;
    for (const entry of bundle.entry ?? []) {
      const mode = entry.search?.mode ?? 'match';
      if (mode === 'outcome') outcomes += 1;
      else (mode === 'include' ? page.included : page.matches).push(localized(entry.resource));
    }
    // Outcome entries are the server's warnings about the search; their text stays out of logs.
    if (outcomes > 0) logger.warn({ resourceType, outcomes }, 'FHIR search returned OperationOutcome entries');
    return { ...page, ...(bundle.total === undefined ? {} : { total: bundle.total }), ...(outcomes > 0 ? { outcomes } : {}) };
  }

  /** Every page of one search, following `next` links until the server has no more. */
  async function* searchOnePart(resourceType: string, searchParams: SearchParams): AsyncIterable<SearchPage> {
    let bundle = toSearchBundle(
      await send('searchPages', { action: 'search', resourceType }, async (headers) =>
        fetched(await client.search({ resourceType, searchParams, options: { ...withTimeout(), headers } })),
      ),
    );
    const visited = new Set<string>();
    for (;;) {
      yield pageOf(bundle, resourceType);
      const next = nextUrlOf(bundle, visited);
      if (next === undefined) return;
      bundle = toSearchBundle(
        await send('searchPages', { action: 'next page of', resourceType }, async (headers) =>
          fetched(await client.request(next, { options: { ...withTimeout(), headers } })),
        ),
      );
    }
  }

  return {
    async *searchPages(resourceType: string, params: SearchParams): AsyncIterable<SearchPage> {
      const parts = splitSearch({ _count: String(config.pageSize), ...params }, config.maxQueryLength);
      if (parts.length === 1) return yield* searchOnePart(resourceType, parts[0] as SearchParams);
      logger.debug({ resourceType, parts: parts.length }, 'FHIR search too long for one URL; asked in parts');
      // A page's total is the parts' totals so far: the last page's counts the whole search, while every part gave one.
      let announced: number | undefined = 0;
      for (const part of parts) {
        let first = true;
        for await (const { total, ...page } of searchOnePart(resourceType, part)) {
          if (first) announced = announced === undefined || total === undefined ? undefined : announced + total;
          first = false;
          yield announced === undefined ? page : { ...page, total: announced };
        }
      }
    },

    async read(resourceType: string, id: string): Promise<FhirResource | undefined> {
      let body: unknown;
      try {
        body = await send('reads', { action: 'read', resourceType, id }, async (headers) =>
          fetched(await client.read({ resourceType, id, options: { ...withTimeout(), headers } })),
        );
      } catch (error) {
        if (error instanceof FhirRequestError && GONE.has(error.status)) return undefined;
        throw error;
      }
      const parsed = z.looseObject({ resourceType: z.literal(resourceType), id: z.string() }).safeParse(body);
      if (!parsed.success) throw FhirDataError.fromZod(resourceType, id, parsed.error);
      return localized(parsed.data);
    },

    async createIfNoneExist(resource: FhirResource, identifier: { system: string; value: string }): Promise<ConditionalCreateResult> {
      const { resourceType } = resource;
      const carried = Identifiers.safeParse(resource.identifier);
      if (!carried.data?.some((i) => i.system === identifier.system && i.value === identifier.value)) {
        // Otherwise the condition never matches what we created and every retry makes another resource.
        throw new Error(`createIfNoneExist: the ${resourceType} must carry the identifier it is conditional on`);
      }
      // Encoded like any query string, so a value holding & or # cannot change the condition.
      const ifNoneExist = `identifier=${encodeURIComponent(identifier.system)}|${encodeURIComponent(identifier.value)}`;
      const reply = await send('creates', { action: 'create', resourceType }, async (headers) => {
        const answer = await requestJson({
          method: 'POST',
          url: `${localPrefix}${resourceType}`,
          headers: { ...customHeaders, ...headers, 'if-none-exist': ifNoneExist },
          body: resource,
          timeoutMs: config.timeoutMs,
        });
        return { body: answer, header: headerIn(answer.headers) };
      });
      const id = CreatedBody.safeParse(reply.body).data?.id ?? idFromLocation(reply.headers.location, resourceType);
      if (!id) {
        throw new FhirDataError({
          resourceType,
          field: 'id',
          expected: 'an id in the response body or Location header',
        });
      }
      return { id, created: reply.status === 201 };
    },

    async expandValueSet(url: string): Promise<ValueSetResource> {
      const contains: NonNullable<NonNullable<ValueSetResource['expansion']>['contains']> = [];
      for (;;) {
        // `offset`/`count` are $expand's own paging parameters; a server that ignores them sends everything at once.
        const input = { url, offset: String(contains.length), count: String(config.pageSize) };
        const page = toValueSetExpansion(
          await send('reads', { action: 'expand', resourceType: 'ValueSet' }, async (headers) =>
            fetched(
              await client.operation({
                name: '$expand',
                resourceType: 'ValueSet',
                method: 'GET',
                input,
                options: { ...withTimeout(), headers },
              }),
            ),
          ),
          url,
        );
        const entries = page.expansion.contains ?? [];
        contains.push(...entries);
        const { total } = page.expansion;
        if (total === undefined || contains.length >= total) return { ...page, expansion: { ...page.expansion, contains } };
        // A page that adds nothing short of the total would be asked for again and again.
        if (entries.length === 0) {
          throw new FhirDataError({
            resourceType: 'ValueSet',
            resourceId: page.id,
            field: 'expansion.contains',
            expected: `concepts from offset ${input.offset} (expansion.total is ${total})`,
          });
        }
      }
    },

    capabilities: () =>
      send('reads', { action: 'read', resourceType: 'CapabilityStatement' }, async (headers) =>
        fetched(await client.capabilityStatement({ ...withTimeout(), headers })),
      ),

    counts: () => ({ ...counts }),
  };
}

/** A fhir-kit-client result with the headers of the response it came in (kept by the library, out of sight). */
function fetched<T extends Record<string, unknown>>(body: T): Answer<T> {
  const response = body[RESPONSE_KEY];
  const headers = response instanceof Response ? response.headers : undefined;
  return { body, header: (name) => headers?.get(name) ?? undefined };
}

/** node:http's headers, a repeated one joined as fetch's Headers would. */
function headerIn(headers: IncomingHttpHeaders): HeaderLookup {
  return (name) => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
}

const NO_HEADERS: HeaderLookup = () => undefined;

/**
 * After a 401: undefined when the token was renewed for one more try, else why not (FhirAuthError, or the
 * token endpoint's transient failure, which the request's retry gets past).
 */
async function renewalFailure(authorization: RequestAuthorization): Promise<Error | undefined> {
  try {
    await authorization.refused();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error('renewing the access token failed', { cause: error });
  }
}

/**
 * A failed exchange as the two HTTP paths report it: fhir-kit-client's error for a status or a body it cannot
 * parse, or http.ts's. Undefined for anything else (a network failure, a timeout, a bug).
 */
function httpFailureOf(error: unknown): { status: number; data: unknown; header: HeaderLookup } | undefined {
  if (error instanceof HttpStatusError) return { status: error.status, data: error.data, header: headerIn(error.headers) };
  if (error instanceof HttpBodyError) return { status: error.status, data: undefined, header: NO_HEADERS };
  const thrown = HttpFailure.safeParse(error).data;
  const headers = thrown?.config?.headers;
  return thrown && { ...thrown.response, header: (name) => headers?.get(name) ?? undefined };
}

/** Maps what either HTTP path threw to a named failure; anything unrecognised (a bug) is returned as is. */
function toFhirError(
  error: unknown,
  target: Target,
  attempt: number,
  config: { maxAttempts: number; timeoutMs: number },
  nowMs: number,
): Error {
  const what = `FHIR ${target.action} ${target.resourceType}${target.id ? `/${target.id}` : ''}`;
  const when = `attempt ${attempt}/${config.maxAttempts}`;
  const http = httpFailureOf(error);
  if (http) {
    const { status, data } = http;
    // A 2xx whose body is not JSON.
    if (status >= 200 && status < 300) {
      return new FhirDataError({
        resourceType: target.resourceType,
        resourceId: target.id,
        field: '(body)',
        expected: 'JSON',
      });
    }
    const message = `${what} failed with HTTP ${status} (${when})`;
    // Only the conditional create meets a 409/412 that asking again can cure; elsewhere they keep their meaning.
    if (!isTransient(status, target.action === 'create' ? 'conditional-create' : 'other'))
      return new FhirRequestError(message, status, data);
    const retryAfterMs = announcedWaitMs(http.header, nowMs);
    // No cause: fhir-kit-client's error holds the response body, which may hold PHI.
    return new FhirTransientError(message, { status, retryAfterMs });
  }
  const network = transientNetworkError(error, { what, timeoutMs: config.timeoutMs, when });
  if (network) return network;
  return error instanceof Error ? error : new Error(`${what} failed (${when})`, { cause: error });
}

function toSearchBundle(body: unknown): SearchBundle {
  const parsed = SearchBundle.safeParse(body);
  if (parsed.success) return parsed.data;
  const id = z.looseObject({ id: z.string() }).safeParse(body).data?.id;
  throw FhirDataError.fromZod('Bundle', id, parsed.error);
}

/** One page of `$expand`: a ValueSet of the url asked for, with an expansion. */
function toValueSetExpansion(body: unknown, url: string): ValueSetResource & { expansion: NonNullable<ValueSetResource['expansion']> } {
  const parsed = ValueSetResource.safeParse(body);
  const id = z.looseObject({ id: z.string() }).safeParse(body).data?.id;
  if (!parsed.success) throw FhirDataError.fromZod('ValueSet', id, parsed.error);
  const { expansion } = parsed.data;
  const problem = (field: string, expected: string) => new FhirDataError({ resourceType: 'ValueSet', resourceId: id, field, expected });
  if (parsed.data.url !== url) throw problem('url', 'the canonical URL $expand was asked for');
  if (!expansion) throw problem('expansion', 'the expansion $expand returns');
  return { ...parsed.data, expansion };
}

/** `https://x/fhir/Communication/123/_history/1` → `123`. */
function idFromLocation(location: string | null | undefined, resourceType: string): string | undefined {
  return location ? new RegExp(`(?:^|/)${resourceType}/([A-Za-z0-9\\-.]{1,64})(?:/_history/|$)`).exec(location)?.[1] : undefined;
}
